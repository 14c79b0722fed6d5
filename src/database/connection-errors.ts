import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

const logger = new Logger('Database');

/**
 * Logs a connection-level error instead of letting it go unhandled. An EventEmitter `'error'`
 * without a listener throws and ends the process: PostgreSQL terminating a backend
 * (57P01: `pg_terminate_backend`, a restart, a failover) makes the `pg` client emit one.
 * The pool drops that client and opens a new one on the next checkout; requests that were
 * using it fail and answer 503 (see the problem filter).
 */
export function logConnectionError(err: unknown): void {
  const e = err as { message?: string; code?: string };
  logger.warn({ code: e?.code, message: e?.message }, 'database connection lost; reconnecting');
}

/**
 * Gives every connection of the data source's pool a permanent `'error'` listener. pg-pool
 * listens on idle clients only, TypeORM on clients its query runners hold; in between (a
 * client being released, or one already removed from the pool after an error that emits a
 * second one as its socket closes) nobody would.
 */
export function guardConnections(dataSource: DataSource): DataSource {
  const pool = (dataSource.driver as unknown as { master?: unknown }).master;
  if (pool instanceof EventEmitter) {
    pool.on('connect', guard);
    // The connections opened before this call (TypeORM's initialize reads the server version
    // and may run the migrations) are in the pool already and never emit 'connect' again.
    for (const client of (pool as unknown as { _clients?: unknown[] })._clients ?? []) {
      guard(client);
    }
  }
  return dataSource;
}

function guard(client: unknown): void {
  if (client instanceof EventEmitter && !client.listeners('error').includes(logConnectionError)) {
    client.on('error', logConnectionError);
  }
}
