import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { PreconditionFailedError, VersionConflictError } from './data-errors.js';

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

/**
 * Writes `values` to the row only if it is still at `readVersion`, bumping its version.
 *
 * The caller read the row (and checked `If-Match` against it) in the same transaction; if
 * another writer committed in between, no row matches and the update is refused (`PreconditionFailedError` when
 * the client sent If-Match, `VersionConflictError` otherwise; answered 412 / 409), so no update is ever lost silently.
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
  const result = await em
    .createQueryBuilder()
    .update(entity)
    .set({ ...values, version: () => 'version + 1', updatedAt: () => 'now()' } as never)
    .where('id = :id AND version = :version', { id, version: readVersion })
    .execute();
  if (result.affected !== 1) throw versionConflict(ifMatch);
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
  const result = await em
    .createQueryBuilder()
    .delete()
    .from(entity)
    .where('id = :id AND version = :version', { id, version: readVersion })
    .execute();
  if (result.affected !== 1) throw versionConflict(ifMatch);
}
