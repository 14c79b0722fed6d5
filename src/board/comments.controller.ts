import { Body, Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/etag.js';
import { PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import { CommentsService } from './comments.service.js';
import { CommentResponseDto, CreateCommentDto, UpdateCommentDto } from './dto/comment.dto.js';

@ApiTags('board')
@Controller('v1')
export class CommentsController {
  constructor(private readonly comments: CommentsService) {}

  @Route({
    method: 'POST',
    path: 'cards/:cardId/comments',
    summary: 'Comment on a card',
    role: 'member',
    success: { type: CommentResponseDto },
    problems: [400, 403, 404, 409, 422],
  })
  create(
    @CurrentActor() actor: Actor,
    @UuidParam('cardId') cardId: string,
    @Body() dto: CreateCommentDto,
  ): Promise<CommentResponseDto> {
    return this.comments.create(actor, cardId, dto);
  }

  @Route({
    method: 'GET',
    path: 'cards/:cardId/comments',
    summary: "A card's comments, oldest first",
    role: 'viewer',
    success: { type: CommentResponseDto },
    page: true,
    problems: [400, 404, 422],
  })
  list(
    @CurrentActor() actor: Actor,
    @UuidParam('cardId') cardId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<CommentResponseDto>> {
    return this.comments.list(actor, cardId, page);
  }

  @Route({
    method: 'GET',
    path: 'comments/:commentId',
    summary: 'Get a comment',
    role: 'viewer',
    success: { type: CommentResponseDto },
    problems: [400, 404],
  })
  get(
    @CurrentActor() actor: Actor,
    @UuidParam('commentId') commentId: string,
  ): Promise<CommentResponseDto> {
    return this.comments.get(actor, commentId);
  }

  @Route({
    method: 'PATCH',
    path: 'comments/:commentId',
    summary: 'Edit a comment (its author only)',
    role: 'member',
    success: { type: CommentResponseDto },
    problems: [400, 403, 404, 409, 422],
    ifMatch: true,
  })
  update(
    @CurrentActor() actor: Actor,
    @UuidParam('commentId') commentId: string,
    @Body() dto: UpdateCommentDto,
    @IfMatch() ifMatch?: number,
  ): Promise<CommentResponseDto> {
    return this.comments.update(actor, commentId, dto, ifMatch);
  }

  @Route({
    method: 'DELETE',
    path: 'comments/:commentId',
    summary: 'Delete a comment (its author, or an admin)',
    role: 'member',
    success: { status: 204 },
    problems: [400, 403, 404, 409],
    ifMatch: true,
  })
  remove(
    @CurrentActor() actor: Actor,
    @UuidParam('commentId') commentId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    return this.comments.remove(actor, commentId, ifMatch);
  }
}
