import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

/**
 * What a guard decides from a route's metadata, decided on the route's first request and kept
 * per handler: decorator metadata does not change after start-up, and the reflector's look-ups
 * on every request showed in profiles of the request path.
 */
export class PerHandler<T> {
  private readonly decided = new WeakMap<object, { value: T }>();

  constructor(private readonly decide: (context: ExecutionContext) => T) {}

  of(context: ExecutionContext): T {
    const handler = context.getHandler();
    let entry = this.decided.get(handler);
    if (!entry) {
      entry = { value: this.decide(context) };
      this.decided.set(handler, entry);
    }
    return entry.value;
  }
}

/** Whether the metadata `key` is set on the route's handler or its class (`@Public()`...). */
export const routeFlag =
  (reflector: Reflector, key: string) =>
  (context: ExecutionContext): boolean =>
    !!reflector.getAllAndOverride<boolean>(key, [context.getHandler(), context.getClass()]);
