import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What code far from the caller may need of the current async context: the request's metadata
 * (`RequestContext`) and the open transaction (`TransactionHost`). One AsyncLocalStorage holds
 * both: on Node 20 every store in use is copied onto every promise created, so each store costs
 * per promise, and a request creates many.
 */
export interface ContextFrame {
  readonly request?: unknown;
  readonly transaction?: unknown;
}

const storage = new AsyncLocalStorage<ContextFrame>();

export const ContextStore = {
  /** The current frame, if any. */
  current(): ContextFrame | undefined {
    return storage.getStore();
  },
  /**
   * Runs `fn` in a new frame holding only `frame`: for an entry point (an HTTP request), which
   * must not inherit whatever context the code that started it happened to run in.
   */
  runFresh<T>(frame: ContextFrame, fn: () => T): T {
    return storage.run(frame, fn);
  },
  /** Runs `fn` in the current frame with `part` replaced (the rest is kept). */
  runWith<T>(part: ContextFrame, fn: () => T): T {
    // Not `{ ...frame, ...part }`: on Node 20 a spread followed by more properties takes V8's
    // slow path, about 1 µs here against 0.1 µs (README, Benchmarks, "Object spreads").
    return storage.run(Object.assign({}, storage.getStore(), part), fn);
  },
};
