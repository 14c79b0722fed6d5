import { createHmac, timingSafeEqual } from 'node:crypto';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, type Page } from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';

export type KeyValue = string | number | boolean | null;

/** One sort key: the SQL expression, its direction, its SQL type and the row's value. */
export interface KeysetKeySpec<R> {
  column: string;
  direction: 'ASC' | 'DESC';
  /** The SQL type the cursor value is cast to (`timestamptz`, `uuid`, `text`, `bigint`, ...). */
  type: string;
  value: (row: R) => KeyValue;
}

export interface Keyset<R> {
  readonly name: string;
  /** `ORDER BY` list, e.g. `t.next_fire_at ASC, t.id ASC`. */
  readonly orderBy: string;
  /** The page size: the requested one or the default. */
  limit(requested: number | undefined): number;
  /**
   * The condition that continues after `cursor` (`TRUE` without one), with its values pushed
   * onto `params` as positional parameters. A cursor of another list, or one this API did not
   * sign, is a 400 `invalid-cursor`.
   */
  after(cursor: string | undefined, params: unknown[]): string;
  /** Cuts the `limit + 1` rows fetched into a page and the cursor of its last row. */
  page<T>(rows: R[], limit: number, map: (row: R) => T): Page<T>;
  /**
   * The usual list in one call: runs `<select> WHERE (<where>) AND <after cursor> ORDER BY
   * <keys> LIMIT <limit + 1>` through `db` (a unit-of-work scope) and cuts the page.
   */
  fetch<T>(db: Queryable, spec: PageSpec, map: (row: R) => T): Promise<Page<T>>;
}

/** What `Keyset.fetch` runs its statement through (`WorkspaceScope` is one). */
export interface Queryable {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface PageSpec {
  /** `SELECT ... FROM ...` (with joins), up to where the conditions start. */
  select: string;
  /** The list's own conditions, on `params`' positional parameters. */
  where: string;
  params: unknown[];
  cursor?: string;
  /** The requested page size (`limit` applies the default and the maximum). */
  limit?: number;
}

const MAC_BYTES = 12;
let signingKey: string | undefined;

/** Set once at start-up (from the JWT secret, never the secret itself); tests may set their own. */
export function setCursorSigningKey(key: string): void {
  signingKey = key;
}

function mac(binding: string, payload: string): string {
  if (!signingKey) throw new Error('cursor signing key not configured');
  return createHmac('sha256', signingKey)
    .update(`${binding}\n${payload}`)
    .digest()
    .subarray(0, MAC_BYTES)
    .toString('base64url');
}

/**
 * The one way to build a list: typed sort keys, signed cursors bound to this list (its name
 * and keys: a cursor of another list, or of the same list sorted otherwise, is refused), the
 * `limit` default, and the page cut. Keys must end with a unique column (the id).
 */
export function defineKeyset<R>(name: string, keys: KeysetKeySpec<R>[]): Keyset<R> {
  const binding = `${name}|${keys.map((k) => `${k.column}:${k.direction}:${k.type}`).join(',')}`;
  const orderBy = keys.map((k) => `${k.column} ${k.direction}`).join(', ');

  const encode = (values: KeyValue[]): string => {
    const payload = Buffer.from(JSON.stringify(values)).toString('base64url');
    return `${payload}.${mac(binding, payload)}`;
  };

  const decode = (cursor: string): KeyValue[] => {
    const [payload, signature, extra] = cursor.split('.');
    const expected = payload ? mac(binding, payload) : '';
    if (
      extra !== undefined ||
      !payload ||
      !signature ||
      signature.length !== expected.length ||
      !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
    ) {
      throw CommonProblems.invalidCursor();
    }
    try {
      const values: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (Array.isArray(values) && values.length === keys.length) return values as KeyValue[];
    } catch {
      // fall through
    }
    throw CommonProblems.invalidCursor();
  };

  return {
    name,
    orderBy,
    limit: (requested) => Math.min(Math.max(1, requested ?? DEFAULT_PAGE_SIZE), MAX_PAGE_SIZE),
    after(cursor, params) {
      if (!cursor) return 'TRUE';
      const values = decode(cursor);
      const placeholders = values.map((v, i) => `$${params.push(v)}::${keys[i].type}`);
      const uniform = keys.every((k) => k.direction === keys[0].direction);
      if (uniform) {
        const op = keys[0].direction === 'ASC' ? '>' : '<';
        return `(${keys.map((k) => k.column).join(', ')}) ${op} (${placeholders.join(', ')})`;
      }
      const ors = keys.map((k, i) => {
        const eqs = keys.slice(0, i).map((prev, j) => `${prev.column} = ${placeholders[j]}`);
        const op = k.direction === 'ASC' ? '>' : '<';
        return `(${[...eqs, `${k.column} ${op} ${placeholders[i]}`].join(' AND ')})`;
      });
      return `(${ors.join(' OR ')})`;
    },
    async fetch(db, spec, map) {
      const limit = this.limit(spec.limit);
      const params = [...spec.params];
      const after = this.after(spec.cursor, params);
      const rows = await db.query<R>(
        `${spec.select} WHERE (${spec.where}) AND ${after} ORDER BY ${orderBy} LIMIT ${limit + 1}`,
        params,
      );
      return this.page(rows, limit, map);
    },
    page(rows, limit, map) {
      const hasMore = rows.length > limit;
      const pageRows = hasMore ? rows.slice(0, limit) : rows;
      const last = pageRows[pageRows.length - 1];
      return {
        data: pageRows.map(map),
        nextCursor: hasMore && last ? encode(keys.map((k) => k.value(last))) : null,
      };
    },
  };
}
