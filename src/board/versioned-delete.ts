import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { CommonProblems } from '../common/problem.js';
import { checkIfMatch } from '../database/versioned-update.js';

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
  if (result.affected !== 1) {
    throw ifMatch !== undefined
      ? CommonProblems.preconditionFailed('The resource was changed by another request.')
      : CommonProblems.concurrentModification();
  }
}
