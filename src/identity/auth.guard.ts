import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { IS_PUBLIC, type AuthenticatedRequest } from '../common/auth.decorators.js';
import { PerHandler, routeFlag } from '../common/per-handler.js';
import { CommonProblems } from '../common/problem.js';
import { RequestContext, type Principal } from '../common/request-context.js';
import { API_TOKEN_PREFIX, ApiTokensService, isWellFormedApiToken } from './api-tokens.service.js';
import { jwtSeconds, type AccessClaims } from './auth.service.js';
import { Clock } from '../kernel/clock.js';
import { UserPresence } from './user-presence.js';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * `Bearer <token>` exactly (RFC 6750 b64token charset; the scheme is case-insensitive): no
 * second token, no trailing words, no other scheme.
 */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;
/** A compact JWS: three base64url parts. Anything else is refused before any crypto runs. */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_JWT_LENGTH = 4096;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Access tokens whose signature was verified, kept until their `exp` (at most this many). */
const VERIFIED_TOKENS_KEPT = 10_000;

interface VerifiedToken {
  userId: string;
  /** `exp` in seconds; the token is valid while the clock's seconds are below it. */
  exp: number;
}

/**
 * Authenticates every route not marked @Public(): a JWT access token, or a personal API token
 * (`wd_...`). A token with only the `read` scope may not write. A credential whose user no
 * longer exists authenticates nobody.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** `@Public()` routes. */
  private readonly isPublic: PerHandler<boolean>;
  /**
   * Verified access tokens by their exact text: the same string carries the same signature
   * and claims, so it is verified once and afterwards only its expiry is checked (against the
   * same clock). Oldest out when full. The user's existence is still checked per request.
   */
  private readonly verified = new Map<string, VerifiedToken>();

  constructor(
    reflector: Reflector,
    private readonly jwt: JwtService,
    private readonly apiTokens: ApiTokensService,
    private readonly users: UserPresence,
    private readonly clock: Clock,
  ) {
    this.isPublic = new PerHandler(routeFlag(reflector, IS_PUBLIC));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.isPublic.of(context)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) {
      throw CommonProblems.unauthenticated(
        'Send `Authorization: Bearer <access token or API token>`.',
      );
    }
    if (token.startsWith(API_TOKEN_PREFIX)) {
      // A malformed token is refused without a database round trip.
      const principal = isWellFormedApiToken(token)
        ? await this.apiTokens.authenticate(token)
        : null;
      if (!principal || principal.type !== 'token')
        throw CommonProblems.unauthenticated('The API token is unknown, expired or revoked.');
      if (
        !READ_METHODS.has(request.method) &&
        !principal.scopes.some((s) => s === 'write' || s === 'admin')
      ) {
        throw CommonProblems.insufficientScope('This API token has the read scope only.');
      }
      return admit(request, principal);
    }
    const userId = await this.verifyAccessToken(token);
    if (!userId || !(await this.users.exists(userId))) {
      throw CommonProblems.unauthenticated('The access token is invalid or expired; refresh it.');
    }
    return admit(request, { type: 'user', userId });
  }

  /** The user id of a valid access token, or null. */
  private async verifyAccessToken(token: string): Promise<string | null> {
    if (token.length > MAX_JWT_LENGTH || !JWT_SHAPE.test(token)) return null;
    // Expiry against the kernel clock, as the token's `iat` was set.
    const now = jwtSeconds(this.clock);
    const kept = this.verified.get(token);
    if (kept) {
      if (now < kept.exp) return kept.userId;
      this.verified.delete(token);
      return null;
    }
    try {
      const claims = await this.jwt.verifyAsync<AccessClaims & { exp?: number }>(token, {
        clockTimestamp: now,
      });
      if (claims.typ !== 'access' || typeof claims.sub !== 'string' || !UUID.test(claims.sub))
        return null;
      if (typeof claims.exp === 'number') {
        if (this.verified.size >= VERIFIED_TOKENS_KEPT) {
          this.verified.delete(this.verified.keys().next().value!);
        }
        this.verified.set(token, { userId: claims.sub, exp: claims.exp });
      }
      return claims.sub;
    } catch {
      return null;
    }
  }
}

/** Lets the request through as `principal`: on the request, and in its context (audit, logs). */
function admit(request: AuthenticatedRequest, principal: Principal): true {
  request.principal = principal;
  RequestContext.identify(principal);
  return true;
}
