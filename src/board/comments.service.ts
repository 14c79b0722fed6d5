import { Injectable } from '@nestjs/common';
import { principalUserId } from '../common/auth.decorators.js';
import type { Page, PageRequest } from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, deleteVersioned, updateVersioned } from '../database/versioned-update.js';
import {
  defineKeyset,
  diffChanges,
  hasRole,
  WorkspaceUnitOfWork,
  type Actor,
  type WorkspaceScope,
} from '../kernel/index.js';
import { CommentEvents } from './board.events.js';
import { toCommentResponse } from './board.mappers.js';
import {
  Cards,
  COMMENT_FIELDS,
  Comments,
  onWritableBoard,
  selectList,
  type CommentRow,
} from './board.tables.js';
import type { CommentResponseDto, CreateCommentDto, UpdateCommentDto } from './dto/comment.dto.js';
import { CommentEntity } from './entities/comment.entity.js';

const COMMENT_SELECT = selectList('t', COMMENT_FIELDS);

/** A card's comments, oldest first (UUIDv7 ids). */
export const CommentList = defineKeyset<CommentRow>('comments.list', [
  { column: 't.id', direction: 'ASC', type: 'uuid', value: (c) => c.id },
]);

/** Comments on cards: oldest first; edited by their author, deleted by the author or an admin. */
@Injectable()
export class CommentsService {
  constructor(private readonly uow: WorkspaceUnitOfWork) {}

  create(actor: Actor, cardId: string, dto: CreateCommentDto): Promise<CommentResponseDto> {
    const authorId = principalUserId(actor);
    return this.uow.write(actor, Cards.ref(cardId), 'member', async (s) => {
      const card = onWritableBoard(s.row);
      const id = newId();
      await s.em.insert(CommentEntity, {
        id,
        workspaceId: s.workspaceId,
        boardId: card.boardId,
        cardId: card.id,
        authorId,
        body: dto.body,
      });
      const comment = await this.byId(s, id);
      s.record(CommentEvents.created, id, {
        cardId: { from: null, to: card.id },
        ...diffChanges(null, comment, ['body']),
      });
      return toCommentResponse(comment);
    });
  }

  list(actor: Actor, cardId: string, page: PageRequest): Promise<Page<CommentResponseDto>> {
    return this.uow.read(actor, Cards.ref(cardId), 'viewer', (s) =>
      CommentList.fetch(
        s,
        {
          select: `SELECT ${COMMENT_SELECT} FROM card_comments t`,
          where: 't.workspace_id = $1 AND t.board_id = $2 AND t.card_id = $3',
          params: [s.workspaceId, s.row.boardId, cardId],
          ...page,
        },
        toCommentResponse,
      ),
    );
  }

  get(actor: Actor, commentId: string): Promise<CommentResponseDto> {
    return this.uow.read(actor, Comments.ref(commentId), 'viewer', async (s) =>
      toCommentResponse(s.row),
    );
  }

  /** Only the author edits a comment. */
  update(
    actor: Actor,
    commentId: string,
    dto: UpdateCommentDto,
    ifMatch?: number,
  ): Promise<CommentResponseDto> {
    return this.uow.write(actor, Comments.ref(commentId), 'member', async (s) => {
      const comment = onWritableBoard(s.row);
      if (comment.authorId !== s.userId) {
        throw CommonProblems.forbidden('Only the author can edit a comment.');
      }
      const changes = diffChanges(comment, { ...comment, ...dto }, ['body']);
      if (Object.keys(changes).length === 0) {
        checkIfMatch(comment.version, ifMatch);
        return toCommentResponse(comment);
      }
      await updateVersioned(s.em, CommentEntity, comment.id, comment.version, ifMatch, {
        body: dto.body,
      });
      const after = await this.byId(s, commentId);
      s.record(CommentEvents.updated, commentId, changes);
      return toCommentResponse(after);
    });
  }

  /** The author, or an admin of the workspace, deletes a comment. */
  async remove(actor: Actor, commentId: string, ifMatch?: number): Promise<void> {
    await this.uow.write(actor, Comments.ref(commentId), 'member', async (s) => {
      const comment = onWritableBoard(s.row);
      if (comment.authorId !== s.userId) assertAdmin(s);
      await deleteVersioned(s.em, CommentEntity, comment.id, comment.version, ifMatch);
      s.record(CommentEvents.deleted, commentId, {
        cardId: { from: comment.cardId, to: null },
        ...diffChanges(comment, null, ['body']),
      });
    });
  }

  private async byId(s: WorkspaceScope<unknown>, id: string): Promise<CommentRow> {
    const [row] = await s.query<CommentRow>(
      `SELECT ${COMMENT_SELECT} FROM card_comments t WHERE t.workspace_id = $1 AND t.id = $2`,
      [s.workspaceId, id],
    );
    return row;
  }
}

/**
 * Someone else's comment needs an admin, and an API token acting as one needs the admin scope
 * (as the unit of work checks for admin-level work).
 */
function assertAdmin(s: WorkspaceScope<unknown>): void {
  if (!hasRole(s.role, 'admin')) {
    throw CommonProblems.forbidden('Only the author or an admin can delete a comment.');
  }
  if (s.actor.type === 'token' && !s.actor.scopes.includes('admin')) {
    throw CommonProblems.insufficientScope(
      'This operation needs an API token with the admin scope.',
    );
  }
}
