import { Injectable } from '@nestjs/common';
import { TransactionHost } from '../database/transaction-host.js';
import type { Role } from './roles.js';

export interface WorkspaceMember {
  userId: string;
  role: Role;
}

/**
 * What modules may ask about workspaces and their members, without naming identity's tables
 * in their own SQL. Reads join the open transaction, if any.
 */
@Injectable()
export class WorkspaceDirectory {
  constructor(private readonly tx: TransactionHost) {}

  /** Which of `userIds` are members of the workspace (assignees, recipients). */
  async membersAmong(workspaceId: string, userIds: readonly string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = (await this.tx.manager.query(
      'SELECT user_id FROM memberships WHERE workspace_id = $1 AND user_id = ANY($2::uuid[])',
      [workspaceId, userIds],
    )) as Array<{ user_id: string }>;
    return new Set(rows.map((r) => r.user_id));
  }

  /** Every member with their role. */
  async members(workspaceId: string): Promise<WorkspaceMember[]> {
    return (await this.tx.manager.query(
      'SELECT user_id AS "userId", role FROM memberships WHERE workspace_id = $1 ORDER BY user_id',
      [workspaceId],
    )) as WorkspaceMember[];
  }

  /** The live workspaces a user belongs to (personal feeds across workspaces). */
  async workspacesOf(userId: string): Promise<Array<{ workspaceId: string; role: Role }>> {
    return (await this.tx.manager.query(
      `SELECT m.workspace_id AS "workspaceId", m.role FROM memberships m
         JOIN workspaces w ON w.id = m.workspace_id AND w.deleted_at IS NULL
        WHERE m.user_id = $1 ORDER BY m.workspace_id`,
      [userId],
    )) as Array<{ workspaceId: string; role: Role }>;
  }

  /** The workspace's text-search configuration (e.g. `simple`, `english`). */
  async searchLanguage(workspaceId: string): Promise<string> {
    const [row] = (await this.tx.manager.query(
      'SELECT search_language FROM workspaces WHERE id = $1',
      [workspaceId],
    )) as Array<{ search_language: string }>;
    return row?.search_language ?? 'simple';
  }
}
