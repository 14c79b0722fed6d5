import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import type { AuthenticatedRequest } from './auth.decorators.js';
import { EtagInterceptor } from './etag.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { RequestContext } from './request-context.js';

/**
 * The one global interceptor. Each interceptor Nest runs costs a deferred observable, an async
 * resource and a `mergeAll` per request, so the three steps every request takes are composed
 * here, in a fixed order, instead of being registered three times:
 * 1. the request's context (`RequestContext`: id, caller, ip, route) around everything after;
 * 2. `ETag` on a single resource's answer (`EtagInterceptor`), replays included;
 * 3. `Idempotency-Key` innermost (`IdempotencyInterceptor`), around the handler.
 */
@Injectable()
export class RequestPipelineInterceptor implements NestInterceptor {
  constructor(
    private readonly etag: EtagInterceptor,
    private readonly idempotency: IdempotencyInterceptor,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const meta = {
      requestId: String(request.id),
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      principal: request.principal,
      route: request.routeOptions.url,
    };
    const inner: CallHandler = { handle: () => this.idempotency.intercept(context, next) };
    // A step that throws (a malformed Idempotency-Key) errors the observable: same as before.
    return new Observable((subscriber) =>
      RequestContext.run(meta, () => this.etag.intercept(context, inner).subscribe(subscriber)),
    );
  }
}
