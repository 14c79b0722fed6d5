import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { IS_PUBLIC, type AuthenticatedRequest } from '../common/auth.decorators.js';
import { CommonProblems } from '../common/problem.js';
import { API_TOKEN_PREFIX, ApiTokensService } from './api-tokens.service.js';
import type { AccessClaims } from './auth.service.js';
import { IdentityProblems } from './identity.errors.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Authenticates every route not marked @Public(): a JWT access token, or a personal API token
 * (`wd_...`). A token with only the `read` scope may not write.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly apiTokens: ApiTokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (
      this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
        context.getHandler(),
        context.getClass(),
      ])
    )
      return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw CommonProblems.unauthenticated(
        'Send `Authorization: Bearer <access token or API token>`.',
      );
    }
    if (token.startsWith(API_TOKEN_PREFIX)) {
      const principal = await this.apiTokens.authenticate(token);
      if (!principal || principal.type !== 'token')
        throw CommonProblems.unauthenticated('The API token is unknown, expired or revoked.');
      if (
        !READ_METHODS.has(request.method) &&
        !principal.scopes.some((s) => s === 'write' || s === 'admin')
      ) {
        throw IdentityProblems.insufficientScope('This API token has the read scope only.');
      }
      request.principal = principal;
      return true;
    }
    try {
      const claims = await this.jwt.verifyAsync<AccessClaims>(token);
      if (claims.typ !== 'access') throw new Error('not an access token');
      request.principal = { type: 'user', userId: claims.sub };
      return true;
    } catch {
      throw CommonProblems.unauthenticated('The access token is invalid or expired; refresh it.');
    }
  }
}
