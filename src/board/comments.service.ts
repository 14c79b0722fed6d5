import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { diffChanges, type Changes } from '../audit/changes.js';
import { principalUserId } from '../common/auth.decorators.js';
import {
  CursorCodec,
  paginate,
  type KeysetKey,
  type Page,
  type PageRequest,
} from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, updateVersioned } from '../database/versioned-update.js';
import { roleRank } from '../identity/membership.entity.js';
import { assertBoardWritable, BoardAccess, NOT_FOUND } from './board-access.service.js';
import { toCommentResponse } from './board.mappers.js';
import { boardArchivedAt } from './cards.queries.js';
import type { CommentResponseDto, CreateCommentDto, UpdateCommentDto } from './dto/comment.dto.js';
import { CommentEntity } from './entities/comment.entity.js';
import { deleteVersioned } from '../database/versioned-update.js';

const COMMENT_KEYS: KeysetKey<CommentEntity>[] = [
  { column: 'cm.id', direction: 'ASC', value: (c) => c.id },
];

/** Comments on cards: oldest first; edited by their author, deleted by the author or an admin. */
@Injectable()
export class CommentsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly boards: BoardAccess,
    private readonly cursors: CursorCodec,
  ) {}

  async create(
    principal: Principal,
    cardId: string,
    dto: CreateCommentDto,
  ): Promise<CommentResponseDto> {
    const authorId = principalUserId(principal);
    return this.tx.run(async (em) => {
      const { card } = await this.boards.card(em, principal, cardId, 'member');
      assertBoardWritable(await boardArchivedAt(em, card.workspaceId, card.boardId));
      const id = newId();
      await em.insert(CommentEntity, {
        id,
        workspaceId: card.workspaceId,
        boardId: card.boardId,
        cardId: card.id,
        authorId,
        body: dto.body,
      });
      const comment = await em.findOneByOrFail(CommentEntity, { id });
      await this.record(em, comment, 'comment.created', {
        cardId: { from: null, to: card.id },
        ...diffChanges(null, comment, ['body']),
      });
      return toCommentResponse(comment);
    });
  }

  async list(
    principal: Principal,
    cardId: string,
    page: PageRequest,
  ): Promise<Page<CommentResponseDto>> {
    const { card } = await this.boards.card(this.tx.manager, principal, cardId, 'viewer');
    const qb = this.tx.manager
      .createQueryBuilder(CommentEntity, 'cm')
      .where('cm.workspace_id = :workspaceId AND cm.board_id = :boardId AND cm.card_id = :cardId', {
        workspaceId: card.workspaceId,
        boardId: card.boardId,
        cardId: card.id,
      });
    return paginate(qb, page, COMMENT_KEYS, this.cursors, toCommentResponse);
  }

  async get(principal: Principal, commentId: string): Promise<CommentResponseDto> {
    const { comment } = await this.boards.comment(this.tx.manager, principal, commentId, 'viewer');
    return toCommentResponse(comment);
  }

  /** Only the author edits a comment. */
  async update(
    principal: Principal,
    commentId: string,
    dto: UpdateCommentDto,
    ifMatch?: number,
  ): Promise<CommentResponseDto> {
    return this.tx.run(async (em) => {
      const { comment } = await this.writableComment(em, principal, commentId);
      if (comment.authorId !== principalUserId(principal)) {
        throw CommonProblems.forbidden('Only the author can edit a comment.');
      }
      const changes = diffChanges(comment, { ...comment, ...dto }, ['body']);
      if (Object.keys(changes).length === 0) {
        checkIfMatch(comment.version, ifMatch);
        return toCommentResponse(comment);
      }
      await updateVersioned(em, CommentEntity, comment.id, comment.version, ifMatch, {
        body: dto.body,
      });
      const after = await em.findOneByOrFail(CommentEntity, { id: commentId });
      await this.record(em, after, 'comment.updated', changes);
      return toCommentResponse(after);
    });
  }

  /** The author, or an admin of the workspace, deletes a comment. */
  async remove(principal: Principal, commentId: string, ifMatch?: number): Promise<void> {
    await this.tx.run(async (em) => {
      const { comment, grant } = await this.writableComment(em, principal, commentId);
      if (comment.authorId !== grant.userId) {
        if (roleRank(grant.role) < roleRank('admin')) {
          throw CommonProblems.forbidden('Only the author or an admin can delete a comment.');
        }
        // Also checks that an API token carries the admin scope.
        await this.boards.require(principal, comment.workspaceId, 'admin', NOT_FOUND.comment);
      }
      await deleteVersioned(em, CommentEntity, comment.id, comment.version, ifMatch);
      await this.record(em, comment, 'comment.deleted', {
        cardId: { from: comment.cardId, to: null },
        ...diffChanges(comment, null, ['body']),
      });
    });
  }

  private async writableComment(em: EntityManager, principal: Principal, commentId: string) {
    const found = await this.boards.comment(em, principal, commentId, 'member');
    assertBoardWritable(
      await boardArchivedAt(em, found.comment.workspaceId, found.comment.boardId),
    );
    return found;
  }

  private record(em: EntityManager, comment: CommentEntity, action: string, changes: Changes) {
    return this.audit.record(em, {
      workspaceId: comment.workspaceId,
      action,
      entityType: 'comment',
      entityId: comment.id,
      changes,
    });
  }
}
