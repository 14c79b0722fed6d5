import { Injectable } from '@nestjs/common';
import { CommonProblems } from '../common/problem.js';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import { IdentityProblems } from './identity.errors.js';
import { roleRank, type Role } from './membership.entity.js';

/**
 * @deprecated Kept only while src/board still calls it on this branch; identity, notes and
 * audit go through `WorkspaceUnitOfWork` (the kernel owns the membership SQL:
 * `callerRoleSql`). Delete this file once the board's move onto the kernel has landed.
 *
 * A scalar subquery: the role of user `userParam` in workspace `workspaceSql` (null when not a
 * member or the workspace is deleted), for loading a row and its access in one statement.
 * Qualify `workspaceSql` with the outer table's alias (`b.workspace_id`): unqualified, it would
 * resolve to `m.workspace_id` inside the subquery and match any membership of the user.
 */
export const memberRoleSql = (workspaceSql: string, userParam: string): string =>
  `(SELECT m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
     WHERE m.workspace_id = ${workspaceSql} AND m.user_id = ${userParam}::uuid
       AND w.deleted_at IS NULL)`;

export interface WorkspaceAccessGrant {
  workspaceId: string;
  userId: string;
  role: Role;
}

/**
 * @deprecated Use `WorkspaceUnitOfWork.read/write` (see the top of this file).
 *
 * The tenancy check every module calls before touching a workspace's data. Not a member (or a
 * deleted workspace) answers exactly like a missing resource: 404, never 403. A member whose
 * role is too low gets 403. An API token never exceeds its scope: admin-level operations need
 * the `admin` scope (writes need `write`, which the auth guard already checked).
 */
@Injectable()
export class WorkspaceAccess {
  constructor(private readonly tx: TransactionHost) {}

  async require(
    principal: Principal,
    workspaceId: string,
    minRole: Role,
    notFoundDetail = 'Workspace not found.',
  ): Promise<WorkspaceAccessGrant> {
    if (principal.type === 'system') throw CommonProblems.forbidden();
    const [row] = (await this.tx.manager.query(
      `SELECT m.role FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
        WHERE m.workspace_id = $1 AND m.user_id = $2 AND w.deleted_at IS NULL`,
      [workspaceId, principal.userId],
    )) as Array<{ role: Role }>;
    return this.authorize(principal, workspaceId, row?.role ?? null, minRole, notFoundDetail);
  }

  /**
   * The checks of `require` on a role the caller already read (null: not a member, or the
   * workspace is deleted), e.g. together with the row in one statement; see `memberRoleSql`.
   */
  authorize(
    principal: Principal,
    workspaceId: string,
    role: Role | null,
    minRole: Role,
    notFoundDetail = 'Workspace not found.',
  ): WorkspaceAccessGrant {
    if (principal.type === 'system') throw CommonProblems.forbidden();
    if (!role) throw CommonProblems.notFound(notFoundDetail);
    if (roleRank(role) < roleRank(minRole)) {
      throw CommonProblems.forbidden(`This needs the ${minRole} role; you are ${role}.`);
    }
    if (
      principal.type === 'token' &&
      roleRank(minRole) >= roleRank('admin') &&
      !principal.scopes.includes('admin')
    ) {
      throw IdentityProblems.insufficientScope(
        'This operation needs an API token with the admin scope.',
      );
    }
    return { workspaceId, userId: principal.userId, role };
  }

  /** Which of `userIds` are members of the workspace (for assignees, mentions). */
  async membersAmong(workspaceId: string, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = (await this.tx.manager.query(
      'SELECT user_id FROM memberships WHERE workspace_id = $1 AND user_id = ANY($2::uuid[])',
      [workspaceId, userIds],
    )) as Array<{ user_id: string }>;
    return new Set(rows.map((r) => r.user_id));
  }

  /** The workspace's text-search configuration (e.g. `simple`, `english`). */
  async searchLanguage(workspaceId: string): Promise<string> {
    const [row] = (await this.tx.manager.query(
      'SELECT search_language FROM workspaces WHERE id = $1',
      [workspaceId],
    )) as Array<{
      search_language: string;
    }>;
    return row?.search_language ?? 'simple';
  }
}
