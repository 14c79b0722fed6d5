// Drives the app's rate-limit guards in plain Node, with a FakeClock as the kernel Clock.
//
// Jest on Node 20 cannot load @nestjs/throttler (CommonJS requiring Nest's ESM-only packages),
// so rate-limit.e2e-spec.ts runs this file as its own process over the built app (dist/): it
// boots the throttler module exactly as the app module does (`throttlerModuleOptions`), then
// runs the steps given as JSON in argv[2] and prints one outcome per step as JSON.
//
// Steps: {limits: {perMinute, authPerMinute, preAuthPerMinute}} first, then
//   {guard: 'perCaller' | 'preAuth', request: {ip, url, userId?}}  -> {status, headers}
//   {advanceMs: n}                                                  -> {now}
import process from 'node:process';
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ThrottlerModule } from '@nestjs/throttler';
import { rateLimitConfig } from '../../dist/src/config/app.config.js';
import { Clock, FakeClock } from '../../dist/src/kernel/clock.js';
import { ProblemException } from '../../dist/src/common/problem.js';
import {
  PreAuthRateLimitGuard,
  RateLimitGuard,
  RedisThrottlerStorage,
  throttlerModuleOptions,
} from '../../dist/src/common/rate-limit.js';

const [{ limits }, ...steps] = JSON.parse(process.argv[2]);
const clock = new FakeClock(Date.UTC(2030, 0, 1, 9, 0, 0));

class LimitsUnderTest {}
Module({
  providers: [
    { provide: Clock, useValue: clock },
    { provide: rateLimitConfig.KEY, useValue: { ...limits, redisUrl: undefined } },
    // No REDIS_URL: in-memory windows, as one instance runs them.
    { provide: RedisThrottlerStorage, useValue: null },
  ],
  exports: [Clock, rateLimitConfig.KEY, RedisThrottlerStorage],
})(LimitsUnderTest);
Global()(LimitsUnderTest);

class SomeController {
  someRoute() {}
}

const moduleRef = await Test.createTestingModule({
  imports: [LimitsUnderTest, ThrottlerModule.forRootAsync(throttlerModuleOptions)],
  providers: [RateLimitGuard, PreAuthRateLimitGuard],
}).compile();
await moduleRef.init();
const guards = {
  perCaller: moduleRef.get(RateLimitGuard),
  preAuth: moduleRef.get(PreAuthRateLimitGuard),
};

async function run(step) {
  if (step.advanceMs !== undefined) {
    clock.advance(step.advanceMs);
    return { now: clock.now().toISOString() };
  }
  const { ip, url, userId } = step.request;
  const request = {
    ip,
    routeOptions: { url },
    headers: {},
    ...(userId ? { principal: { type: 'user', userId } } : {}),
  };
  const headers = {};
  const reply = { header: (name, value) => (headers[name] = String(value)) };
  const context = {
    getHandler: () => SomeController.prototype.someRoute,
    getClass: () => SomeController,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  };
  try {
    await guards[step.guard].canActivate(context);
    return { status: 'passed', headers };
  } catch (err) {
    if (!(err instanceof ProblemException)) throw err;
    return { status: err.status, headers: { ...headers, ...err.extras.headers } };
  }
}

const outcomes = [];
for (const step of steps) outcomes.push(await run(step));
await moduleRef.close();
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
