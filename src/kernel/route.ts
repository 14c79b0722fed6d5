import {
  applyDecorators,
  Delete,
  Get,
  HttpCode,
  Patch,
  Post,
  Put,
  SetMetadata,
  UseInterceptors,
  type Type,
} from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiNoContentResponse, ApiOperation, ApiResponse } from '@nestjs/swagger';
import { Public } from '../common/auth.decorators.js';
import { IdempotencyInterceptor } from '../common/idempotency.interceptor.js';
import { ApiAuth, ApiIdempotencyKey, ApiIfMatch, ApiProblems } from '../common/openapi.js';
import { ApiPage } from '../common/pagination.js';
import type { Role } from './roles.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  method: HttpMethod;
  /** Relative to `v1` (the controller's prefix): `workspaces/:workspaceId/reminders`. */
  path: string;
  summary: string;
  description?: string;
  /** The least workspace role (documented; API tokens need the matching scope). */
  role?: Role;
  /** The success answer: status (default 200, 201 for POST) and body type. */
  success?: { status?: number; type?: Type<unknown> | [Type<unknown>] };
  /** `{data: type[], nextCursor}`. */
  page?: boolean;
  /** Problem statuses beyond 401/429/500 (documented). */
  problems?: number[];
  /**
   * POST/PATCH: whether `Idempotency-Key` applies (default true). False for responses with
   * credentials or secrets, which are never stored.
   */
  idempotent?: boolean;
  /** Honours If-Match (documents the header and its 412). */
  ifMatch?: boolean;
  /** Larger bodies than the global limit (bytes). */
  bodyLimit?: number;
  /** No bearer token (register, login, inbound hooks). */
  public?: boolean;
}

export const ROUTE_SPEC = 'workdeck:route';

const METHOD = { GET: Get, POST: Post, PUT: Put, PATCH: Patch, DELETE: Delete } as const;

const ROLE_NOTE: Record<Role, string> = {
  viewer: 'Any member of the workspace (viewer or more).',
  member: 'Members, admins and owners (API tokens: `write` scope).',
  admin: 'Admins and owners (API tokens: `admin` scope).',
  owner: 'Owners only (API tokens: `admin` scope).',
};

/**
 * One decorator per operation: method, path, role, success type, problems, idempotency and
 * If-Match, declared once and driving both the behaviour (routing, status, body limit,
 * whether the idempotency interceptor applies) and the OpenAPI document, so they cannot drift.
 */
export function Route(spec: RouteSpec): MethodDecorator {
  const status = spec.success?.status ?? (spec.method === 'POST' ? 201 : 200);
  const mutating = spec.method === 'POST' || spec.method === 'PATCH';
  const idempotent = mutating && spec.idempotent !== false;
  const description = [spec.description, spec.role ? `**Role:** ${ROLE_NOTE[spec.role]}` : '']
    .filter(Boolean)
    .join('\n\n');
  const decorators: Array<ClassDecorator | MethodDecorator | PropertyDecorator> = [
    METHOD[spec.method](spec.path),
    HttpCode(status),
    SetMetadata(ROUTE_SPEC, spec),
    ApiOperation({ summary: spec.summary, ...(description ? { description } : {}) }),
  ];
  if (spec.page && spec.success?.type && !Array.isArray(spec.success.type)) {
    decorators.push(ApiPage(spec.success.type));
  } else if (status === 204) {
    decorators.push(ApiNoContentResponse({ description: 'Done.' }));
  } else {
    decorators.push(
      ApiResponse({
        status,
        description: 'Success.',
        ...(spec.success?.type ? { type: spec.success.type } : {}),
      }),
    );
  }
  if (spec.problems?.length) decorators.push(ApiProblems(...spec.problems));
  // Bound here, at start-up, only where it applies: a GET or DELETE runs no interceptor at all.
  if (idempotent) decorators.push(ApiIdempotencyKey(), UseInterceptors(IdempotencyInterceptor));
  if (spec.ifMatch) decorators.push(ApiIfMatch());
  if (spec.bodyLimit) decorators.push(RouteConfig({ bodyLimit: spec.bodyLimit }));
  if (spec.public) decorators.push(Public());
  else decorators.push(ApiAuth());
  return applyDecorators(...decorators) as MethodDecorator;
}
