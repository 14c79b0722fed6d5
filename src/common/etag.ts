import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CommonProblems } from './problem.js';

const ETAG_PATTERN = /^(?:W\/)?"(\d{1,10})"$/;

export const etagOf = (version: number): string => `"${version}"`;

/**
 * `ETag: "<version>"` on every single-resource response (a JSON body with a numeric
 * `version`), an Idempotency-Key replay included; lists (`{data: [...]}`) carry none.
 * A Fastify `preSerialization` hook (app.factory.ts): it sees every object body just before it
 * is serialised, with no per-request interceptor layer around the handler.
 */
export function etagHook(
  _request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: Error | null, payload: unknown) => void,
): void {
  const version = (payload as { version?: unknown } | null)?.version;
  if (typeof version === 'number') void reply.header('ETag', etagOf(version));
  done(null, payload);
}

/**
 * The version a client claims in `If-Match`, or undefined when absent or `*`.
 * A header that is not one of our ETags is a malformed request (400).
 */
export const IfMatch = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): number | undefined => {
    const header = ctx.switchToHttp().getRequest<FastifyRequest>().headers['if-match'];
    if (header === undefined || header.trim() === '*') return undefined;
    const match = ETAG_PATTERN.exec(header.trim());
    if (!match) {
      throw CommonProblems.malformedRequest('If-Match must be an ETag of this API, like "3".');
    }
    return Number(match[1]);
  },
);
