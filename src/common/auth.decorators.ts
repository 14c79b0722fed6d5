import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CommonProblems } from './problem.js';
import type { Principal } from './request-context.js';

export const IS_PUBLIC = 'workdeck:public';

/** The route needs no bearer token (register, login, refresh, health, inbound hooks). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The authenticated user or token behind the request. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => {
    const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw CommonProblems.unauthenticated();
    return principal;
  },
);

/** The user id of the caller (a token acts for its owner). */
export function principalUserId(principal: Principal): string {
  if (principal.type === 'system')
    throw CommonProblems.forbidden('System principals have no user.');
  return principal.userId;
}
