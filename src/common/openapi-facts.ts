import { RequestMethod, type Type } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import { THROTTLER_SKIP } from '@nestjs/throttler/dist/throttler.constants.js';
import { IS_PUBLIC } from './auth.decorators.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';

/**
 * What the server does for one operation, read from the same metadata that drives its
 * behaviour (guards, throttler, idempotency interceptor), so that the document cannot drift
 * from it. Keyed by the operationId Nest's Swagger module gives (`Controller_method`).
 */
export interface OperationFacts {
  /** No bearer token needed (`@Public()`). */
  public: boolean;
  /** Counted by the rate limiter: answers carry `RateLimit-*` and may be 429. */
  throttled: boolean;
  /** `Idempotency-Key` is honoured (the idempotency interceptor is bound to the route). */
  idempotent: boolean;
}

export type OperationFactsById = ReadonlyMap<string, OperationFacts>;

const THROTTLER_NAME = 'default';

function flag(key: string, handler: object, controller: object): boolean {
  return Boolean(
    Reflect.getMetadata(key, handler as object) ?? Reflect.getMetadata(key, controller),
  );
}

/** Whether `interceptor` is bound to the handler or its controller (`@UseInterceptors`). */
function binds(interceptor: Type<unknown>, handler: object, controller: object): boolean {
  const bound = (target: object) =>
    ((Reflect.getMetadata(INTERCEPTORS_METADATA, target) as unknown[] | undefined) ?? []).includes(
      interceptor,
    );
  return bound(handler) || bound(controller);
}

/** The facts of every route handler of the application's controllers. */
export function collectOperationFacts(modules: ModulesContainer): Map<string, OperationFacts> {
  const facts = new Map<string, OperationFacts>();
  for (const module of modules.values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        facts.set(`${controller.name}_${name}`, {
          public: flag(IS_PUBLIC, handler, controller),
          throttled: !flag(`${THROTTLER_SKIP}${THROTTLER_NAME}`, handler, controller),
          idempotent: binds(IdempotencyInterceptor, handler, controller),
        });
      }
    }
  }
  return facts;
}
