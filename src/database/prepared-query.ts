import { createHash } from 'node:crypto';
import { DatabaseError } from 'pg';
import { QueryFailedError, type EntityManager } from 'typeorm';

/** The part of a `pg` client this helper uses: a query config with a statement name. */
interface NamedQueryClient {
  query(config: {
    name: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** Statement names by prefix, then by SQL text (the same string objects on every call). */
const names = new Map<string, Map<string, string>>();
const MAX_CACHED_NAMES = 1000;

/**
 * The statement name of `sql`: `prefix` and a short hash of the text, so that every SQL shape
 * (a query whose text depends on its filters has several) gets its own prepared statement.
 * Looked up by the text itself, not by a key joined from prefix and text: a hot statement's
 * text is one long constant string, whose hash V8 computes once, while a joined key is a new
 * string to flatten and hash on every call.
 */
export function statementName(prefix: string, sql: string): string {
  let byText = names.get(prefix);
  if (!byText) {
    byText = new Map();
    names.set(prefix, byText);
  }
  let name = byText.get(sql);
  if (!name) {
    name = `${prefix}_${createHash('sha1').update(sql).digest('base64url').slice(0, 16)}`;
    if (byText.size >= MAX_CACHED_NAMES) byText.clear();
    byText.set(sql, name);
  }
  return name;
}

/**
 * `em.query(sql, params)` as a named prepared statement: `pg` prepares it once per connection
 * (Parse) and afterwards only binds and executes it, so PostgreSQL skips parsing and, once it
 * settles on a generic plan (after 5 executions, when that plan costs no more than the custom
 * ones), planning. For hot statements whose planning costs as much as their execution.
 *
 * Runs on the manager's query runner (the open transaction's connection), or on a pool
 * connection of its own for this one statement (see `runNamed`). Errors surface as TypeORM's `QueryFailedError`, like
 * `em.query`'s. On embedded PGlite (a `driver` in the data-source options) it is plain
 * `em.query`. Use only for a fixed set of SQL texts (parameters in `params`, never in `sql`):
 * each distinct text is one more prepared statement on every connection.
 */
export async function preparedQuery<T>(
  em: EntityManager,
  prefix: string,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const options = em.connection.driver.options as { driver?: unknown };
  if (options.driver) return (await em.query(sql, params)) as T[];
  return (await runNamed(em, prefix, sql, params)).rows as T[];
}

/**
 * `sql` as a named prepared statement on the manager's query runner (the open transaction's
 * connection), or else on a pool connection of its own for this one statement, without the
 * TypeORM query runner TypeORM would build around it (every pooled connection has its 'error'
 * listener, see guardConnections); a connection that failed is discarded, not put back.
 * Errors surface as TypeORM's `QueryFailedError`.
 */
async function runNamed(
  em: EntityManager,
  prefix: string,
  sql: string,
  params: unknown[],
): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }> {
  const config = { name: statementName(prefix, sql), text: sql, values: params };
  if (em.queryRunner) {
    const client = (await em.queryRunner.connect()) as NamedQueryClient;
    try {
      return await client.query(config);
    } catch (err) {
      throw new QueryFailedError(sql, params, err as Error);
    }
  }
  const client = await poolOf(em).connect();
  let broken: Error | undefined;
  try {
    return await client.query(config);
  } catch (err) {
    if (!(err instanceof DatabaseError)) broken = err as Error;
    throw new QueryFailedError(sql, params, err as Error);
  } finally {
    client.release(broken);
  }
}

interface PooledClient extends NamedQueryClient {
  release(err?: Error): void;
}

/** The `pg` pool of the data source (TypeORM's Postgres driver keeps it as `master`). */
function poolOf(em: EntityManager): { connect(): Promise<PooledClient> } {
  const pool = (
    em.connection.driver as unknown as { master?: { connect(): Promise<PooledClient> } }
  ).master;
  if (!pool) throw new Error('The database driver is not connected.');
  return pool;
}

/**
 * An INSERT, UPDATE or DELETE as a named prepared statement (see `preparedQuery`): the number
 * of rows it affected. Errors surface as TypeORM's `QueryFailedError`; on embedded PGlite it
 * runs through the query runner (`affected` of its structured result).
 */
export async function preparedExecute(
  em: EntityManager,
  prefix: string,
  sql: string,
  params: unknown[],
): Promise<number | undefined> {
  const options = em.connection.driver.options as { driver?: unknown };
  if (options.driver) {
    const runner = em.queryRunner ?? em.connection.createQueryRunner();
    try {
      return (await runner.query(sql, params, true)).affected;
    } finally {
      if (!em.queryRunner) await runner.release();
    }
  }
  return (await runNamed(em, prefix, sql, params)).rowCount ?? undefined;
}
