import { randomUUID } from 'node:crypto';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { lastValueFrom, of } from 'rxjs';
import {
  IdempotencyInterceptor,
  REPLAYED_HEADER,
} from '../../src/common/idempotency.interceptor.js';
import { appConfig, type AppConfig } from '../../src/config/app.config.js';
import { TransactionHost } from '../../src/database/transaction-host.js';
import { bootHarness, type Harness } from '../support/harness.js';

const TTL_HOURS = 2;
const HOUR_MS = 3_600_000;

class SomeController {
  create(): void {}
}

/**
 * A stored Idempotency-Key answer is replayed until it expires on the kernel `Clock`: moving
 * the harness's FakeClock past the TTL (and nothing else) makes the same key run the handler
 * again. With `Date.now()` this spec would wait hours.
 */
describe('Idempotency-Key records expire by the kernel clock', () => {
  let h: Harness;
  let interceptor: IdempotencyInterceptor;

  beforeAll(async () => {
    h = await bootHarness({ env: { IDEMPOTENCY_TTL_HOURS: String(TTL_HOURS) } });
    interceptor = new IdempotencyInterceptor(
      h.get(TransactionHost),
      new Reflector(),
      h.clock,
      h.get<AppConfig>(appConfig.KEY),
    );
  });
  afterAll(() => h?.close());

  it('replays within the TTL and runs the handler again once the clock passes it', async () => {
    // An anonymous caller of its own (the caller scope is its address).
    const ip = `spec-${randomUUID()}`;
    let runs = 0;
    const post = async () => {
      const headers: Record<string, string> = {};
      const request = {
        method: 'POST',
        url: '/v1/things',
        headers: { 'idempotency-key': 'same-key' },
        body: { name: 'thing' },
        ip,
      };
      const reply = { header: (name: string, value: string) => (headers[name] = value) };
      const context = {
        getHandler: () => SomeController.prototype.create,
        getClass: () => SomeController,
        switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
      } as unknown as ExecutionContext;
      const next: CallHandler = { handle: () => of({ run: ++runs }) };
      const body = await lastValueFrom(interceptor.intercept(context, next));
      return { body, replayed: headers[REPLAYED_HEADER] === 'true' };
    };

    expect(await post()).toEqual({ body: { run: 1 }, replayed: false });
    h.clock.advance(TTL_HOURS * HOUR_MS - 1000);
    expect(await post()).toEqual({ body: { run: 1 }, replayed: true });
    h.clock.advance(1000);
    expect(await post()).toEqual({ body: { run: 2 }, replayed: false });
    expect(runs).toBe(2);
  });
});
