import { EventEmitter } from 'node:events';
import { logConnectionError } from './connection-errors.js';
import { PGlite, types, type PGliteOptions, type Results } from '@electric-sql/pglite';

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

  constructor(private readonly options: { dataDir: string } & PGliteOptions) {
    super();
    // Same contract as the pg pool: an 'error' event is logged, never left unhandled.
    this.on('error', logConnectionError);
    const key = options.dataDir;
    let db = PGlitePool.instances.get(key);
    if (!db) {
      db = PGlite.create(options.dataDir, {
        ...options,
        parsers: {
          [types.INT8]: (v: string) => v,
          [types.NUMERIC]: (v: string) => v,
          ...options.parsers,
        },
      });
      PGlitePool.instances.set(key, db);
    }
    this.db = db;
  }

  /** pg.Pool#connect: waits for the one connection, then lends it until `release` is called. */
  connect(callback?: (err: Error | null, client?: unknown, release?: () => void) => void): unknown {
    let release!: () => void;
    const previous = this.queue;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    const lend = previous.then(async () => {
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

  end(callback?: (err?: Error) => void): Promise<void> {
    const key = this.options.dataDir;
    const closed = this.db.then((db) => db.close()).finally(() => PGlitePool.instances.delete(key));
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
      query: async (sql: string, params?: unknown[]): Promise<QueryResult> => {
        const pg = await db;
        if (params && params.length > 0) {
          const r = await pg.query<Record<string, unknown>>(sql, params);
          return { ...r, rowCount: r.rowCount ?? r.affectedRows ?? r.rows.length };
        }
        // Statements without parameters may be several (migrations); TypeORM wants the last result.
        const all = await pg.exec(sql);
        const last = all[all.length - 1] ?? { rows: [], fields: [] };
        return { ...last, rowCount: last.rowCount ?? last.affectedRows ?? last.rows.length };
      },
    });
  }
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
