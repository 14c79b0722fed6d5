import { gzipSync } from 'node:zlib';

/**
 * What a lookup found: a kept answer, nothing (this caller computes), a computation to join, or
 * (`stale`, see `latest`) a computation under way and the previous answer of the same family,
 * handed out meanwhile.
 */
export type CacheOutcome = 'hit' | 'miss' | 'joined' | 'stale';

/** An answer and the validator it was computed for. */
export interface KeptAnswer<T> {
  validator: string;
  value: T;
}

/**
 * Answers already computed, per instance, keyed by what makes them the same answer (for the
 * dashboard: the workspace and its ETag's validator). Bounded by entry count, least recently
 * used first out; a capacity of 0 keeps nothing and computes every time (no sharing either).
 * Concurrent misses on one key share one computation; a failed one is forgotten, not kept.
 * No timers: entries of a stale validator are simply never asked for again and age out.
 *
 * Callers resolve tenancy before asking: a kept answer says nothing about who may read it.
 */
export class RepresentationCache<T> {
  private readonly entries = new Map<string, T>();
  private readonly inFlight = new Map<string, Promise<T>>();
  /** Per family (the same representation at any validator), its last computed answer. */
  private readonly newest = new Map<string, KeptAnswer<T>>();

  constructor(
    private readonly capacity: number,
    private readonly observe: (outcome: CacheOutcome) => void = () => undefined,
  ) {}

  get(key: string, compute: () => Promise<T>): Promise<T> {
    if (this.capacity === 0) return compute();
    const kept = this.entries.get(key);
    if (kept !== undefined) {
      // Map keeps insertion order: re-inserting marks it the most recently used.
      this.entries.delete(key);
      this.entries.set(key, kept);
      this.observe('hit');
      return Promise.resolve(kept);
    }
    const pending = this.inFlight.get(key);
    if (pending) {
      this.observe('joined');
      return pending;
    }
    this.observe('miss');
    const computed = compute()
      .then((value) => {
        this.keep(key, value);
        return value;
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, computed);
    return computed;
  }

  /**
   * As `get`, for the representation `family` (the same resource at whatever validator) at
   * `validator`: when its answer is being computed by another request and the family has an
   * answer already, that previous answer is handed out at once instead of waiting (stale while
   * computing; it comes with its own validator, so the caller labels it with what it was
   * computed for). Only the request that found nothing waits for the computation. Without a
   * previous answer, requests join the computation as with `get`.
   */
  async latest(
    family: string,
    validator: string,
    compute: () => Promise<T>,
  ): Promise<KeptAnswer<T>> {
    if (this.capacity === 0) return { validator, value: await compute() };
    const key = `${family} ${validator}`;
    const computing = !this.entries.has(key) && !this.inFlight.has(key);
    if (!computing && !this.entries.has(key)) {
      const previous = this.newest.get(family);
      if (previous) {
        this.observe('stale');
        return previous;
      }
    }
    const value = await this.get(key, compute);
    if (computing) {
      // The family's newest answer is the one computed last (hits of an older key do not count).
      this.newest.delete(family);
      this.newest.set(family, { validator, value });
      while (this.newest.size > this.capacity) {
        this.newest.delete(this.newest.keys().next().value as string);
      }
    }
    return { validator, value };
  }

  /** Entries kept (for tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }

  private keep(key: string, value: T): void {
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

const serialized = new WeakMap<object, Buffer>();

/**
 * An answer's JSON bytes, serialized once per kept answer: a hit then sends bytes instead of
 * serializing (and encoding) a body of some 100 KB again. Held weakly: gone with the answer.
 */
export function jsonBytesOf(body: object): Buffer {
  let bytes = serialized.get(body);
  if (!bytes) {
    bytes = Buffer.from(JSON.stringify(body));
    serialized.set(body, bytes);
  }
  return bytes;
}

const gzipped = new WeakMap<object, Buffer>();

/**
 * The same JSON gzip-compressed, once per kept answer (a dashboard is some 120 KB of JSON and
 * about a tenth of that compressed): for clients that accept gzip, as browsers and HTTP
 * libraries do. Held weakly: gone with the answer.
 */
export function gzipBytesOf(body: object): Buffer {
  let bytes = gzipped.get(body);
  if (!bytes) {
    bytes = gzipSync(jsonBytesOf(body));
    gzipped.set(body, bytes);
  }
  return bytes;
}

/**
 * Whether an `Accept-Encoding` header accepts gzip: `gzip` (or, absent that, `*`) with a
 * q-value above 0 (RFC 9110 §12.5.3). No header: identity only.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of header.split(',')) {
    const [coding, ...params] = part.split(';').map((t) => t.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (coding === 'gzip' || coding === 'x-gzip') gzip = weight;
    else if (coding === '*') any = weight;
  }
  const weight = gzip ?? any ?? 0;
  return Number.isFinite(weight) && weight > 0;
}
