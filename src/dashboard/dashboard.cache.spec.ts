import { gunzipSync } from 'node:zlib';
import {
  acceptsGzip,
  gzipBytesOf,
  jsonBytesOf,
  RepresentationCache,
  type CacheOutcome,
} from './dashboard.cache.js';

/** A computation the test settles by hand, counting how often it was started. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A computation that counts its calls (and what it was asked for). */
function counted<T>(answer: (arg: string) => Promise<T>) {
  const calls: string[] = [];
  return {
    calls,
    of:
      (arg = '') =>
      () => {
        calls.push(arg);
        return answer(arg);
      },
  };
}

describe('RepresentationCache', () => {
  it('keeps an answer per key and hands it back without computing again', async () => {
    const outcomes: CacheOutcome[] = [];
    const cache = new RepresentationCache<string>(2, (o) => outcomes.push(o));
    const compute = counted(() => Promise.resolve('body'));
    expect(await cache.get('a', compute.of())).toBe('body');
    expect(await cache.get('a', compute.of())).toBe('body');
    expect(compute.calls).toHaveLength(1);
    expect(outcomes).toEqual(['miss', 'hit']);
  });

  it('drops the least recently used entry beyond its capacity', async () => {
    const cache = new RepresentationCache<string>(2);
    const compute = counted((v) => Promise.resolve(v));
    await cache.get('a', compute.of('a'));
    await cache.get('b', compute.of('b'));
    await cache.get('a', compute.of('a')); // a is now the most recently used
    await cache.get('c', compute.of('c')); // evicts b
    expect(cache.size).toBe(2);
    await cache.get('a', compute.of('a'));
    await cache.get('b', compute.of('b'));
    expect(compute.calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('lets concurrent misses on one key share one computation', async () => {
    const outcomes: CacheOutcome[] = [];
    const cache = new RepresentationCache<object>(4, (o) => outcomes.push(o));
    const pending = deferred<object>();
    const compute = counted(() => pending.promise);
    const all = Promise.all([1, 2, 3].map(() => cache.get('k', compute.of())));
    const body = { n: 1 };
    pending.resolve(body);
    const bodies = await all;
    expect(compute.calls).toHaveLength(1);
    expect(bodies.every((b) => b === body)).toBe(true);
    expect(outcomes).toEqual(['miss', 'joined', 'joined']);
  });

  it('does not keep a failure: every waiter sees it, the next caller computes again', async () => {
    const cache = new RepresentationCache<string>(4);
    const pending = deferred<string>();
    const first = cache.get('k', () => pending.promise);
    const second = cache.get('k', () => Promise.resolve('unused'));
    pending.reject(new Error('database went away'));
    await expect(first).rejects.toThrow('database went away');
    await expect(second).rejects.toThrow('database went away');
    expect(cache.size).toBe(0);
    expect(await cache.get('k', () => Promise.resolve('fresh'))).toBe('fresh');
  });

  it('computes every time with a capacity of 0 (no keeping, no sharing)', async () => {
    const cache = new RepresentationCache<string>(0);
    const compute = counted(() => Promise.resolve('body'));
    await Promise.all([cache.get('k', compute.of()), cache.get('k', compute.of())]);
    await cache.get('k', compute.of());
    expect(compute.calls).toHaveLength(3);
    expect(cache.size).toBe(0);
  });
});

describe('RepresentationCache.latest (stale while computing)', () => {
  it("hands out the family's previous answer while another request computes the new one", async () => {
    const outcomes: CacheOutcome[] = [];
    const cache = new RepresentationCache<string>(4, (o) => outcomes.push(o));
    expect(await cache.latest('ws', 'v1', () => Promise.resolve('one'))).toEqual({
      validator: 'v1',
      value: 'one',
    });
    const slow = deferred<string>();
    const computing = cache.latest('ws', 'v2', () => slow.promise);
    // Meanwhile: the previous answer at once, under its own key (validator).
    expect(await cache.latest('ws', 'v2', () => Promise.reject(new Error('not again')))).toEqual({
      validator: 'v1',
      value: 'one',
    });
    slow.resolve('two');
    expect(await computing).toEqual({ validator: 'v2', value: 'two' });
    expect(await cache.latest('ws', 'v2', () => Promise.reject(new Error('kept')))).toEqual({
      validator: 'v2',
      value: 'two',
    });
    expect(outcomes).toEqual(['miss', 'miss', 'stale', 'hit']);
  });

  it('joins the computation when the family has no answer yet, and keeps families apart', async () => {
    const outcomes: CacheOutcome[] = [];
    const cache = new RepresentationCache<string>(4, (o) => outcomes.push(o));
    await cache.latest('a', 'v1', () => Promise.resolve('a1'));
    const slow = deferred<string>();
    const first = cache.latest('b', 'v1', () => slow.promise);
    const second = cache.latest('b', 'v1', () => Promise.reject(new Error('not again')));
    slow.resolve('b1');
    expect(await first).toEqual({ validator: 'v1', value: 'b1' });
    expect(await second).toEqual({ validator: 'v1', value: 'b1' });
    expect(outcomes).toEqual(['miss', 'miss', 'joined']);
  });

  it('counts the answer computed last as the newest, not a later hit of an older key', async () => {
    const cache = new RepresentationCache<string>(4);
    await cache.latest('ws', 'v1', () => Promise.resolve('one'));
    await cache.latest('ws', 'v2', () => Promise.resolve('two'));
    await cache.latest('ws', 'v1', () => Promise.reject(new Error('kept'))); // a hit
    const slow = deferred<string>();
    const computing = cache.latest('ws', 'v3', () => slow.promise);
    expect((await cache.latest('ws', 'v3', () => slow.promise)).validator).toBe('v2');
    slow.resolve('three');
    await computing;
  });

  it('computes every time with a capacity of 0 (nothing handed out stale)', async () => {
    const cache = new RepresentationCache<string>(0);
    const compute = counted((v) => Promise.resolve(v));
    await cache.latest('ws', 'v1', compute.of('1'));
    await cache.latest('ws', 'v1', compute.of('1'));
    expect(compute.calls).toEqual(['1', '1']);
  });
});

describe('encodings of a kept answer', () => {
  it.each([
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['br;q=1, GZIP;q=0.5', true],
    ['*', true],
    ['x-gzip', true],
    ['gzip;q=0', false],
    ['*;q=0', false],
    ['gzip;q=0, *', false],
    ['deflate, br', false],
    ['identity', false],
    ['', false],
    [undefined, false],
  ])('Accept-Encoding %p accepts gzip: %p', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('compresses the same JSON once per answer', () => {
    const body = { boards: [{ name: 'x'.repeat(1000) }] };
    const gz = gzipBytesOf(body);
    expect(gunzipSync(gz).equals(jsonBytesOf(body))).toBe(true);
    expect(gzipBytesOf(body)).toBe(gz);
    expect(gz.length).toBeLessThan(jsonBytesOf(body).length);
  });
});
