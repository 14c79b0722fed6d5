import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Observable } from 'rxjs';
import type { AuthenticatedRequest } from './auth.decorators.js';
import { RequestContext } from './request-context.js';

/** Runs the handler (and the interceptors after this one) inside the request's context. */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const meta = {
      requestId: String(request.id),
      ip: request.ip,
      userAgent: request.headers['user-agent'],
      principal: request.principal,
      route: request.routeOptions.url,
    };
    return new Observable((subscriber) =>
      RequestContext.run(meta, () => next.handle().subscribe(subscriber)),
    );
  }
}
