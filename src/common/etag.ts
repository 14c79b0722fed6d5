import {
  createParamDecorator,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { CommonProblems } from './problem.js';

const ETAG_PATTERN = /^(?:W\/)?"(\d{1,10})"$/;

export const etagOf = (version: number): string => `"${version}"`;

/**
 * `ETag: "<version>"` on every single-resource response (a body with a numeric `version`).
 * Lists (`{data: [...]}`) carry none.
 */
@Injectable()
export class EtagInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    return next.handle().pipe(
      map((body: unknown) => {
        const version = (body as { version?: unknown } | null)?.version;
        if (typeof version === 'number') void reply.header('ETag', etagOf(version));
        return body;
      }),
    );
  }
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
