import { EventEmitter } from 'node:events';
import { logConnectionError } from './connection-errors.js';
import { PGlite, types, type PGliteOptions, type Results } from '@electric-sql/pglite';
import { SpanKind, Tracing } from '../tracing/tracing.js';
import { lockDataDir, releaseDataDir } from './data-dir-lock.js';
import { pgliteLockFile } from './embedded-paths.js';
import { ensurePgliteDataDir } from './pglite-data-dir.js';

/**
 * PostgreSQL's default of 128 MB of shared buffers is allocated inside PGlite's WASM heap, which
 * never shrinks. The embedded database serves one developer or a small team; its data files sit
 * in the operating system's page cache anyway, so 32 MB of buffers is plenty and saves ~100 MB.
 */
const PGLITE_SHARED_BUFFERS = '32MB';

/** PGlite's own start parameters (fsync and parallelism settings for WASM) plus ours. */
function startParams(): string[] {
  return [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`];
}

type Callback<T> = (err: Error | null, value?: T) => void;
type QueryResult = Results<Record<string, unknown>> & { rowCount: number; command?: string };

/**
 * A `pg`-shaped pool over one in-process PGlite database, for TypeORM's postgres driver.
 *
 * PGlite is a single connection, so the pool has exactly one client and hands it out under a
 * mutex: a transaction holds the connection from BEGIN to COMMIT and nobody else's statements
 * interleave with it. Types are parsed the way `pg` parses them (int8 and numeric as strings),
 * so that the two drivers give the application identical rows.
 */
export class PGlitePool extends EventEmitter {
  private static readonly instances = new Map<string, Promise<PGlite>>();
  private readonly db: Promise<PGlite>;
  private queue: Promise<void> = Promise.resolve();
  private ended = false;

  constructor(private readonly options: { dataDir: string } & PGliteOptions) {
    super();
    // Same contract as the pg pool: an 'error' event is logged, never left unhandled.
    this.on('error', logConnectionError);
    this.db = PGlitePool.open(options.dataDir, options);
  }

  /**
   * Opens the database in `dataDir` once per process (every pool on it shares it): takes the
   * directory's lock, prepares a new directory (see `ensurePgliteDataDir`) and starts PGlite.
   * `main.ts` calls it before loading the application, so that the seconds this takes overlap
   * loading the modules; the pool TypeORM creates later picks the same database up.
   */
  static open(dataDir: string, options: PGliteOptions = {}): Promise<PGlite> {
    let db = PGlitePool.instances.get(dataDir);
    if (!db) {
      // Two processes on one data directory corrupt it: fail before touching it.
      const lockFile = pgliteLockFile(dataDir);
      if (lockFile) lockDataDir(lockFile);
      db = (lockFile ? ensurePgliteDataDir(dataDir) : Promise.resolve()).then(() =>
        PGlite.create(dataDir, {
          startParams: startParams(),
          ...options,
          parsers: {
            [types.INT8]: (v: string) => v,
            [types.NUMERIC]: (v: string) => v,
            ...options.parsers,
          },
        }),
      );
      // A failure is reported to whoever uses the database (the pool), not as an unhandled
      // rejection while nobody is waiting for it yet.
      db.catch(() => undefined);
      PGlitePool.instances.set(dataDir, db);
    }
    return db;
  }

  /** pg.Pool#connect: waits for the one connection, then lends it until `release` is called. */
  connect(callback?: (err: Error | null, client?: unknown, release?: () => void) => void): unknown {
    if (this.ended) {
      // pg's own wording, so that callers treat both engines alike.
      const err = new Error('Cannot use a pool after calling end on the pool');
      if (callback) {
        callback(err);
        return undefined;
      }
      return Promise.reject(err);
    }
    let release!: () => void;
    const previous = this.queue;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    const lend = previous.then(async () => {
      // PGlite runs each statement synchronously on the main thread, and handing the connection
      // from one waiter to the next is a promise continuation: without a turn of the event loop
      // in between, a queue of transactions runs back to back and no socket is read or accepted
      // for seconds (health checks time out, a drain cannot take in queued connections).
      await new Promise((resolve) => setImmediate(resolve));
      await this.db;
      return this.client();
    });
    if (!callback) return lend.then((client) => Object.assign(client, { release }));
    lend.then(
      (client) => callback(null, client, release),
      (err: Error) => {
        release();
        callback(err);
      },
    );
    return undefined;
  }

  /** pg.Pool#query: one statement on the connection when it is free. */
  async query(sql: string, params?: unknown[] | Callback<QueryResult>): Promise<QueryResult> {
    const args = typeof params === 'function' ? undefined : params;
    const client = (await this.connect()) as ReturnType<PGlitePool['client']> & {
      release: () => void;
    };
    try {
      return await client.query(sql, args);
    } finally {
      client.release();
    }
  }

  /**
   * pg.Pool#end: refuses new work, lets every statement and transaction already waiting for the
   * connection finish (a drain must not cut a queued request's transaction), then closes the
   * database and gives up the data-directory lock.
   */
  end(callback?: (err?: Error) => void): Promise<void> {
    const key = this.options.dataDir;
    this.ended = true;
    const closed = this.queue
      .then(() => this.db)
      .then((db) => db.close())
      .finally(() => {
        PGlitePool.instances.delete(key);
        const lockFile = pgliteLockFile(key);
        if (lockFile) releaseDataDir(lockFile);
      });
    if (callback) {
      closed.then(
        () => callback(),
        (err: Error) => callback(err),
      );
    }
    return closed;
  }

  get totalCount(): number {
    return 1;
  }

  private client() {
    const db = this.db;
    const emitter = new EventEmitter().on('error', logConnectionError);
    return Object.assign(emitter, {
      // One span per statement, shaped like the pg instrumentation's on a real server.
      query: (sql: string, params?: unknown[]): Promise<QueryResult> =>
        Tracing.inSpan(
          `pglite.query:${sqlVerb(sql)}`,
          {
            kind: SpanKind.CLIENT,
            requireParent: true,
            attributes: {
              'db.system.name': 'postgresql',
              'db.namespace': 'pglite',
              'db.query.text': sql,
            },
          },
          () => run(sql, params),
        ),
    });
    async function run(sql: string, params?: unknown[]): Promise<QueryResult> {
      const pg = await db;
      if (params && params.length > 0) {
        const r = await pg.query<Record<string, unknown>>(sql, params);
        return { ...r, rowCount: r.rowCount ?? r.affectedRows ?? r.rows.length };
      }
      // Statements without parameters may be several (migrations); TypeORM wants the last result.
      const all = await pg.exec(sql);
      const last = all[all.length - 1] ?? { rows: [], fields: [] };
      return { ...last, rowCount: last.rowCount ?? last.affectedRows ?? last.rows.length };
    }
  }
}

/** The statement's first keyword (`SELECT`, `INSERT`...), for span names. */
function sqlVerb(sql: string): string {
  return /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SQL';
}

/** The `driver` object TypeORM's postgres driver loads instead of `pg`. */
export function pgliteDriver(dataDir: string): { Pool: new () => PGlitePool } {
  return {
    Pool: class extends PGlitePool {
      constructor() {
        super({ dataDir });
      }
    },
  };
}
