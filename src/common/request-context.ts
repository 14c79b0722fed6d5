import type { FastifyRequest } from 'fastify';
import { ContextStore } from './context-store.js';
import type { Role } from '../kernel/roles.js';

/**
 * A named part of the system acting on its own (the reminder scheduler, an inbound hook). It
 * passes through the same tenancy door as users: `role` is what it may do in a workspace, and
 * `workspaceId`, when set, is the only workspace it may touch (any other answers 404). Without
 * a role it has no workspace rights at all (e.g. the sign-in auditor).
 */
export interface SystemPrincipal {
  type: 'system';
  name: string;
  role?: Role;
  workspaceId?: string;
}

/** Who is calling: a user with an access token, a user's API token, or the system itself. */
export type Principal =
  | { type: 'user'; userId: string }
  | { type: 'token'; userId: string; tokenId: string; scopes: ApiTokenScope[] }
  | SystemPrincipal;

export const API_TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export type ApiTokenScope = (typeof API_TOKEN_SCOPES)[number];

export interface RequestMeta {
  requestId: string;
  ip?: string;
  userAgent?: string;
  principal?: Principal;
  /** The route template (`/v1/boards/:boardId/cards`), which list cursors are bound to. */
  route?: string;
}

/**
 * Who a request counts as, for scoping idempotency keys and rate limits: `token:<id>`,
 * `user:<id>`, `system:<name>`, or `ip:<address>` when anonymous.
 */
export function callerScope(principal: Principal | undefined, ip: string): string {
  if (!principal) return `ip:${ip}`;
  if (principal.type === 'token') return `token:${principal.tokenId}`;
  if (principal.type === 'user') return `user:${principal.userId}`;
  return `system:${principal.name}`;
}

/**
 * Per-request metadata (request id, caller, ip, user agent) for code far from the controller,
 * chiefly the audit log. Outside a request (scheduler, scripts) it is empty.
 */
export const RequestContext = {
  /**
   * Runs `fn` (the rest of an HTTP request: guards, pipes, interceptors, handler) in a fresh
   * context holding a copy of the request's metadata (not the request: whatever async resource
   * is created meanwhile, a pooled connection say, keeps its context alive). Registered once as
   * a Fastify hook (app.factory.ts), so no Nest interceptor has to open it on every request. It
   * is entered before the guards: the auth guard names the caller with `identify`.
   */
  enterHttp<T>(request: FastifyRequest, fn: () => T): T {
    const meta: RequestMeta = {
      requestId: String(request.id),
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      route: request.routeOptions.url,
    };
    return ContextStore.runFresh({ request: meta }, fn);
  },
  /** Records who the current request acts as (the auth guard, once it knows). */
  identify(principal: Principal): void {
    const meta = RequestContext.current();
    if (meta) meta.principal = principal;
  },
  current(): RequestMeta | undefined {
    return ContextStore.current()?.request as RequestMeta | undefined;
  },
};
