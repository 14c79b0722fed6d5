import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata.js';
import { PreconditionFailedError, VersionConflictError } from './data-errors.js';
import { preparedExecute } from './prepared-query.js';

/** Checks If-Match against the version read, for deletes and other non-update writes. */
export function checkIfMatch(readVersion: number, ifMatch: number | undefined): void {
  if (ifMatch !== undefined && ifMatch !== readVersion) {
    throw new PreconditionFailedError(
      `Current version is ${readVersion}, If-Match was ${ifMatch}.`,
    );
  }
}

/** A conditional write matched no row: another writer committed after the caller's read. */
function versionConflict(ifMatch: number | undefined): Error {
  return ifMatch !== undefined
    ? new PreconditionFailedError('The resource was changed by another request.')
    : new VersionConflictError();
}

/** A value of `updateVersioned`: a parameter, or a SQL expression (`() => 'now()'`). */
type SetValue = unknown;

/**
 * An UPDATE compiled once per (entity, columns set, SQL expressions): its text and, in
 * parameter order, the columns whose values are bound (each through the driver's
 * `preparePersistentValue`, as TypeORM's query builder does: transformers, json, dates).
 */
interface CompiledUpdate {
  sql: string;
  bound: Array<{ property: string; column: ColumnMetadata }>;
}

const compiledUpdates = new WeakMap<EntityMetadata, Map<string, CompiledUpdate | null>>();
const compiledDeletes = new WeakMap<EntityMetadata, string | null>();
const MAX_SHAPES_PER_ENTITY = 256;

/** The shape of a values object: its keys in order, a SQL expression's text inline. */
function shapeOf(values: Record<string, SetValue>): string {
  let shape = '';
  for (const key in values) {
    const value = values[key];
    if (value === undefined) continue; // TypeORM skips undefined values: so do we
    shape += typeof value === 'function' ? `${key}=${(value as () => string)()}\n` : `${key}\n`;
  }
  return shape;
}

/**
 * A SQL expression of a `set` as the query builder rewrites it (`replacePropertyNamesForTheWholeQuery`):
 * every word that is a column's property name or database name, standing between one of
 * ` =(` (or the start) and one of ` =),` (or the end), becomes the quoted column name.
 */
function columnNamesQuoted(
  expression: string,
  metadata: EntityMetadata,
  escape: (name: string) => string,
): string {
  const names = new Map<string, string>();
  for (const c of metadata.columns) names.set(c.databaseName, c.databaseName);
  for (const c of metadata.columns) names.set(c.propertyName, c.databaseName);
  for (const c of metadata.columns) names.set(c.propertyPath, c.databaseName);
  return expression.replace(
    /([ =(]|^)([^ =(),]+)(?=[ =),]|$)/gm,
    (match, pre: string, word: string) => {
      const name = names.get(word);
      return name ? `${pre}${escape(name)}` : match;
    },
  );
}

/**
 * The UPDATE TypeORM's query builder sends for `.update(entity).set({ ...values, version: () =>
 * 'version + 1', updatedAt: () => 'now()' }).where('id = :id AND version = :version')`, the
 * same text: `UPDATE "cards" SET "title" = $1, "version" = "version" + 1, "updated_at" = now()
 * WHERE "id" = $2 AND "version" = $3`. Null (the query builder is used) for what this compiler
 * does not cover: relations, embedded or non-updatable columns, a schema-qualified table.
 */
function compileUpdate(
  em: EntityManager,
  metadata: EntityMetadata,
  values: Record<string, SetValue>,
): CompiledUpdate | null {
  const driver = em.connection.driver;
  if (metadata.schema || metadata.tablePath !== metadata.tableName || metadata.relations.length > 0)
    return null;
  const version = metadata.findColumnWithPropertyName('version');
  const updatedAt = metadata.findColumnWithPropertyName('updatedAt');
  const id = metadata.findColumnWithPropertyName('id');
  if (!version || !updatedAt || !id) return null;
  const sets: string[] = [];
  const bound: CompiledUpdate['bound'] = [];
  const all: Record<string, SetValue> = {
    ...values,
    version: () => `${driver.escape(version.databaseName)} + 1`,
    updatedAt: () => 'now()',
  };
  for (const property in all) {
    const value = all[property];
    if (value === undefined) continue;
    const column = metadata.findColumnWithPropertyName(property);
    if (
      !column ||
      column.embeddedMetadata ||
      column.relationMetadata ||
      column.referencedColumn ||
      !column.isUpdate
    ) {
      return null;
    }
    if (typeof value === 'function') {
      sets.push(
        `${driver.escape(column.databaseName)} = ${columnNamesQuoted((value as () => string)(), metadata, driver.escape.bind(driver))}`,
      );
    } else {
      bound.push({ property, column });
      sets.push(`${driver.escape(column.databaseName)} = $${bound.length}`);
    }
  }
  const n = bound.length;
  const sql =
    `UPDATE ${driver.escape(metadata.tableName)} SET ${sets.join(', ')} ` +
    `WHERE ${driver.escape(id.databaseName)} = $${n + 1} AND ${driver.escape(version.databaseName)} = $${n + 2}`;
  return { sql, bound };
}

function compiledUpdateFor(
  em: EntityManager,
  metadata: EntityMetadata,
  values: Record<string, SetValue>,
): CompiledUpdate | null {
  let byShape = compiledUpdates.get(metadata);
  if (!byShape) compiledUpdates.set(metadata, (byShape = new Map()));
  const shape = shapeOf(values);
  let compiled = byShape.get(shape);
  if (compiled === undefined) {
    compiled = compileUpdate(em, metadata, values);
    // Callers pass a fixed set of shapes; a bound all the same, should one build expressions.
    if (byShape.size >= MAX_SHAPES_PER_ENTITY) byShape.clear();
    byShape.set(shape, compiled);
  }
  return compiled;
}

/**
 * The compiled statement of `updateVersioned` and its parameters; null where the query builder
 * is used instead (see `compileUpdate`).
 */
export function versionedUpdateStatement<T extends ObjectLiteral>(
  em: EntityManager,
  entity: EntityTarget<T>,
  id: string,
  readVersion: number,
  values: Record<string, unknown>,
): { sql: string; params: unknown[] } | null {
  const compiled = compiledUpdateFor(em, em.connection.getMetadata(entity), values);
  if (!compiled) return null;
  const driver = em.connection.driver;
  const params = compiled.bound.map(({ property, column }) =>
    driver.preparePersistentValue(values[property], column),
  );
  params.push(id, readVersion);
  return { sql: compiled.sql, params };
}

/**
 * Writes `values` to the row only if it is still at `readVersion`, bumping its version.
 *
 * The caller read the row (and checked `If-Match` against it) in the same transaction; if
 * another writer committed in between, no row matches and the update is refused (`PreconditionFailedError` when
 * the client sent If-Match, `VersionConflictError` otherwise; answered 412 / 409), so no update is ever lost silently.
 *
 * The statement is compiled once per (entity, set of columns) from the entity's metadata and
 * runs as a named prepared statement: the text TypeORM's query builder would build, without
 * building it on every call (it cost more CPU than the rest of a move).
 */
export async function updateVersioned<T extends ObjectLiteral>(
  em: EntityManager,
  entity: EntityTarget<T>,
  id: string,
  readVersion: number,
  ifMatch: number | undefined,
  values: Record<string, unknown>,
): Promise<number> {
  checkIfMatch(readVersion, ifMatch);
  const statement = versionedUpdateStatement(em, entity, id, readVersion, values);
  let affected: number | null | undefined;
  if (statement) {
    affected = await preparedExecute(em, 'versioned_update', statement.sql, statement.params);
  } else {
    const result = await em
      .createQueryBuilder()
      .update(entity)
      .set({ ...values, version: () => 'version + 1', updatedAt: () => 'now()' } as never)
      .where('id = :id AND version = :version', { id, version: readVersion })
      .execute();
    affected = result.affected;
  }
  if (affected !== 1) throw versionConflict(ifMatch);
  return readVersion + 1;
}

/**
 * Deletes the row only if it is still at `readVersion` (the delete counterpart of
 * `updateVersioned`): a change committed after the caller read the row is never deleted
 * unseen. 412 when the client sent If-Match, 409 otherwise.
 */
export async function deleteVersioned<T extends ObjectLiteral>(
  em: EntityManager,
  entity: EntityTarget<T>,
  id: string,
  readVersion: number,
  ifMatch: number | undefined,
): Promise<void> {
  checkIfMatch(readVersion, ifMatch);
  const metadata = em.connection.getMetadata(entity);
  let sql = compiledDeletes.get(metadata);
  if (sql === undefined) {
    const idColumn = metadata.findColumnWithPropertyName('id');
    const versionColumn = metadata.findColumnWithPropertyName('version');
    const escape = (name: string) => em.connection.driver.escape(name);
    sql =
      idColumn && versionColumn && !metadata.schema && metadata.tablePath === metadata.tableName
        ? `DELETE FROM ${escape(metadata.tableName)} WHERE ${escape(idColumn.databaseName)} = $1 AND ${escape(versionColumn.databaseName)} = $2`
        : null;
    compiledDeletes.set(metadata, sql);
  }
  let affected: number | null | undefined;
  if (sql) {
    affected = await preparedExecute(em, 'versioned_delete', sql, [id, readVersion]);
  } else {
    const result = await em
      .createQueryBuilder()
      .delete()
      .from(entity)
      .where('id = :id AND version = :version', { id, version: readVersion })
      .execute();
    affected = result.affected;
  }
  if (affected !== 1) throw versionConflict(ifMatch);
}
