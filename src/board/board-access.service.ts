import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CommonProblems } from '../common/problem.js';
import { preparedQuery } from '../database/prepared-query.js';
import type { Principal } from '../common/request-context.js';
import type { Role } from '../identity/membership.entity.js';
import {
  memberRoleSql,
  WorkspaceAccess,
  type WorkspaceAccessGrant,
} from '../identity/workspace-access.service.js';
import { BoardProblems } from './board.errors.js';
import { findCardWithAccess, type CardRow } from './cards.queries.js';
import { BoardColumnEntity } from './entities/board-column.entity.js';
import { BoardEntity } from './entities/board.entity.js';
import { CommentEntity } from './entities/comment.entity.js';
import { LabelEntity } from './entities/label.entity.js';

export const NOT_FOUND = {
  board: 'Board not found.',
  column: 'Column not found.',
  card: 'Card not found.',
  label: 'Label not found.',
  comment: 'Comment not found.',
} as const;

/** A board and the caller's role in its workspace (`$1` board id, `$2` user id or null). */
const BOARD_WITH_ROLE_SQL = `SELECT id, workspace_id AS "workspaceId", name, description,
    created_by AS "createdBy", archived_at AS "archivedAt", version, created_at AS "createdAt",
    updated_at AS "updatedAt", ${memberRoleSql('b.workspace_id', '$2')} AS "memberRole"
  FROM boards b WHERE id = $1`;

/**
 * Loads a board-module row by id and checks the caller's role in the row's workspace. A row of
 * a workspace the caller is not a member of answers exactly like a missing one (404, same detail).
 */
@Injectable()
export class BoardAccess {
  constructor(private readonly access: WorkspaceAccess) {}

  async board(
    em: EntityManager,
    principal: Principal,
    boardId: string,
    role: Role,
  ): Promise<{ board: BoardEntity; grant: WorkspaceAccessGrant }> {
    // Plain SQL and one statement (row + the caller's role), prepared: this runs on every
    // board-scoped request, the query builder (and planning it each time) costs more than it.
    const [row] = await preparedQuery<BoardEntity & { memberRole: Role | null }>(
      em,
      'board_access',
      BOARD_WITH_ROLE_SQL,
      [boardId, userIdOf(principal)],
    );
    if (!row) throw CommonProblems.notFound(NOT_FOUND.board);
    const { memberRole, ...board } = row;
    const grant = this.access.authorize(
      principal,
      board.workspaceId,
      memberRole,
      role,
      NOT_FOUND.board,
    );
    return { board: board as BoardEntity, grant };
  }

  /** A board the caller may change content of: member or more, and not archived. */
  async writableBoard(
    em: EntityManager,
    principal: Principal,
    boardId: string,
  ): Promise<{ board: BoardEntity; grant: WorkspaceAccessGrant }> {
    const found = await this.board(em, principal, boardId, 'member');
    assertBoardWritable(found.board.archivedAt);
    return found;
  }

  async column(
    em: EntityManager,
    principal: Principal,
    columnId: string,
    role: Role,
  ): Promise<BoardColumnEntity> {
    const column = await em.findOneBy(BoardColumnEntity, { id: columnId });
    if (!column) throw CommonProblems.notFound(NOT_FOUND.column);
    await this.access.require(principal, column.workspaceId, role, NOT_FOUND.column);
    return column;
  }

  async card(
    em: EntityManager,
    principal: Principal,
    cardId: string,
    role: Role,
  ): Promise<{ card: CardRow; grant: WorkspaceAccessGrant; boardArchivedAt: Date | null }> {
    const found = await findCardWithAccess(em, cardId, userIdOf(principal));
    if (!found) throw CommonProblems.notFound(NOT_FOUND.card);
    const { card, memberRole, boardArchivedAt } = found;
    const grant = this.access.authorize(
      principal,
      card.workspaceId,
      memberRole,
      role,
      NOT_FOUND.card,
    );
    return { card, grant, boardArchivedAt };
  }

  async label(
    em: EntityManager,
    principal: Principal,
    labelId: string,
    role: Role,
  ): Promise<LabelEntity> {
    const label = await em.findOneBy(LabelEntity, { id: labelId });
    if (!label) throw CommonProblems.notFound(NOT_FOUND.label);
    await this.access.require(principal, label.workspaceId, role, NOT_FOUND.label);
    return label;
  }

  async comment(
    em: EntityManager,
    principal: Principal,
    commentId: string,
    role: Role,
  ): Promise<{ comment: CommentEntity; grant: WorkspaceAccessGrant }> {
    const comment = await em.findOneBy(CommentEntity, { id: commentId });
    if (!comment) throw CommonProblems.notFound(NOT_FOUND.comment);
    const grant = await this.access.require(
      principal,
      comment.workspaceId,
      role,
      NOT_FOUND.comment,
    );
    return { comment, grant };
  }

  /** The caller's role check on a workspace already known (e.g. admin rights on a row). */
  require(principal: Principal, workspaceId: string, role: Role, notFoundDetail: string) {
    return this.access.require(principal, workspaceId, role, notFoundDetail);
  }

  /** Which of `userIds` are not members of the workspace. */
  async nonMembers(workspaceId: string, userIds: string[]): Promise<string[]> {
    const members = await this.access.membersAmong(workspaceId, userIds);
    return userIds.filter((id) => !members.has(id));
  }
}

function userIdOf(principal: Principal): string | null {
  return principal.type === 'system' ? null : principal.userId;
}

export function assertBoardWritable(archivedAt: Date | null): void {
  if (archivedAt) throw BoardProblems.boardArchived();
}
