/**
 * Tenant-owned tables, declared once per module. The kernel resolves a reference to a row of
 * such a table to its workspace and the caller's role there in ONE statement, so that no
 * module writes a tenancy check of its own:
 *
 *   export const Cards = defineTenantTable<CardRow>({
 *     table: 'cards', notFound: 'Card not found.', select: CARD_COLUMNS,
 *   });
 *   uow.write(actor, Cards.ref(cardId), 'member', async (s) => { s.row ... });
 */
export interface TenantTableSpec {
  /** The table (snake_case); it has `id` and the workspace column. */
  table: string;
  /** The 404 detail for a missing row or one of another workspace (the same answer). */
  notFound: string;
  /**
   * Columns over alias `t` to load with the check (`t.id, t.title, t.due_at AS "dueAt"`); may
   * use `joins`. Then the scope's `row` is that row. Omitted: only tenancy is resolved.
   */
  select?: string;
  /** Extra joins for `select` (`JOIN boards b ON b.id = t.board_id`). */
  joins?: string;
  /** The column holding the workspace id (default `workspace_id`; `id` for workspaces). */
  workspaceColumn?: string;
}

export interface TenantTable<R> extends Readonly<TenantTableSpec> {
  /** A reference to one row: the target of a unit of work. */
  ref(id: string): TenantRef<R>;
}

export interface TenantRef<R> {
  readonly table: TenantTable<R>;
  readonly id: string;
}

/** A workspace by id: the target of workspace-level work (create, list). */
export interface WorkspaceTarget {
  readonly workspaceId: string;
}

export type Target<R> = WorkspaceTarget | TenantRef<R>;

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export function defineTenantTable<R = undefined>(spec: TenantTableSpec): TenantTable<R> {
  if (!IDENTIFIER.test(spec.table) || !IDENTIFIER.test(spec.workspaceColumn ?? 'workspace_id')) {
    throw new Error(`tenant table ${spec.table}: table and column names must be snake_case`);
  }
  const table: TenantTable<R> = Object.freeze({
    ...spec,
    ref: (id: string): TenantRef<R> => ({ table, id }),
  });
  return table;
}

/** What a workspace target that does not resolve (missing, deleted, not a member) answers. */
export const WORKSPACE_NOT_FOUND = 'Workspace not found.';

/**
 * A workspace as a target whose tenancy read also returns `select`: output columns over `t`,
 * the workspace row (`t.id` is its id), read in the same statement and handed over as `s.row`.
 * Not found, deleted and not a member answer like a plain `{ workspaceId }` target.
 */
export function defineWorkspaceView<R>(select: string): TenantTable<R> {
  return defineTenantTable<R>({
    table: 'workspaces',
    workspaceColumn: 'id',
    notFound: WORKSPACE_NOT_FOUND,
    select,
  });
}

export const isTenantRef = <R>(target: Target<R>): target is TenantRef<R> => 'table' in target;

/**
 * The caller's role in the workspace `workspaceSql` (an outer column, e.g. `t.workspace_id`),
 * for user `userParam` (null: a system actor, answered `system` when the workspace exists).
 * Null when not a member or the workspace is deleted. The kernel owns this SQL: no module
 * names `memberships` or `workspaces` in its own.
 */
export const callerRoleSql = (workspaceSql: string, userParam: string): string =>
  `(SELECT CASE WHEN ${userParam}::uuid IS NULL THEN 'system' ELSE m.role END
      FROM workspaces w
      LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = ${userParam}::uuid
     WHERE w.id = ${workspaceSql} AND w.deleted_at IS NULL)`;

const resolveSqlOf = new WeakMap<TenantTableSpec, string>();

/**
 * `$1` the row id, `$2` the user id (null for system actors). Built once per table spec: every
 * tenant-scoped request sends it, and the same string each time is also what finds its prepared
 * statement's name without hashing the text again.
 */
export function resolveSql(table: TenantTableSpec): string {
  let sql = resolveSqlOf.get(table);
  if (sql === undefined) {
    const ws = `t.${table.workspaceColumn ?? 'workspace_id'}`;
    sql = `SELECT ${ws} AS "__workspaceId", ${callerRoleSql(ws, '$2')} AS "__role"${
      table.select ? `, ${table.select}` : ''
    } FROM ${table.table} t ${table.joins ?? ''} WHERE t.id = $1`;
    resolveSqlOf.set(table, sql);
  }
  return sql;
}

/** `$1` the workspace id, `$2` the user id (null for system actors). */
export const WORKSPACE_RESOLVE_SQL = `SELECT $1::uuid AS "__workspaceId", ${callerRoleSql('$1::uuid', '$2')} AS "__role"`;
