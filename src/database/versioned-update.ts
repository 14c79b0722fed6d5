import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { CommonProblems } from '../common/problem.js';

/**
 * Writes `values` to the row only if it is still at `readVersion`, bumping its version.
 *
 * The caller read the row (and checked `If-Match` against it) in the same transaction; if
 * another writer committed in between, no row matches and the update is refused (412 when the
 * client sent If-Match, 409 otherwise), so no update is ever lost silently.
 */
export async function updateVersioned<T extends ObjectLiteral>(
  em: EntityManager,
  entity: EntityTarget<T>,
  id: string,
  readVersion: number,
  ifMatch: number | undefined,
  values: Record<string, unknown>,
): Promise<number> {
  if (ifMatch !== undefined && ifMatch !== readVersion) {
    throw CommonProblems.preconditionFailed(
      `Current version is ${readVersion}, If-Match was ${ifMatch}.`,
    );
  }
  const result = await em
    .createQueryBuilder()
    .update(entity)
    .set({ ...values, version: () => 'version + 1', updatedAt: () => 'now()' } as never)
    .where('id = :id AND version = :version', { id, version: readVersion })
    .execute();
  if (result.affected !== 1) {
    throw ifMatch !== undefined
      ? CommonProblems.preconditionFailed('The resource was changed by another request.')
      : CommonProblems.concurrentModification();
  }
  return readVersion + 1;
}

/** Checks If-Match against the version read, for deletes and other non-update writes. */
export function checkIfMatch(readVersion: number, ifMatch: number | undefined): void {
  if (ifMatch !== undefined && ifMatch !== readVersion) {
    throw CommonProblems.preconditionFailed(
      `Current version is ${readVersion}, If-Match was ${ifMatch}.`,
    );
  }
}
