import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host.js';

/**
 * What other modules may know about notes without importing the notes' entities: whether a
 * note exists in a workspace. Runs in the caller's transaction when there is one.
 */
@Injectable()
export class NoteDirectory {
  constructor(private readonly tx: TransactionHost) {}

  async existsInWorkspace(workspaceId: string, noteId: string): Promise<boolean> {
    const rows = (await this.tx.manager.query(
      'SELECT 1 FROM notes WHERE workspace_id = $1 AND id = $2',
      [workspaceId, noteId],
    )) as unknown[];
    return rows.length > 0;
  }
}
