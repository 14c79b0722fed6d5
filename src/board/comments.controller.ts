import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth.decorators.js';
import { IfMatch } from '../common/etag.js';
import { ApiAuth, ApiIdempotencyKey, ApiIfMatch, ApiProblems } from '../common/openapi.js';
import { ApiPage, PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import type { Principal } from '../common/request-context.js';
import { CommentsService } from './comments.service.js';
import { CommentResponseDto, CreateCommentDto, UpdateCommentDto } from './dto/comment.dto.js';

@ApiTags('board')
@ApiAuth()
@Controller('v1')
export class CommentsController {
  constructor(private readonly comments: CommentsService) {}

  @Post('cards/:cardId/comments')
  @ApiOperation({ summary: 'Comment on a card (members)' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: CommentResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  create(
    @CurrentPrincipal() p: Principal,
    @UuidParam('cardId') cardId: string,
    @Body() dto: CreateCommentDto,
  ): Promise<CommentResponseDto> {
    return this.comments.create(p, cardId, dto);
  }

  @Get('cards/:cardId/comments')
  @ApiOperation({ summary: "A card's comments, oldest first" })
  @ApiPage(CommentResponseDto)
  @ApiProblems(400, 404, 422)
  list(
    @CurrentPrincipal() p: Principal,
    @UuidParam('cardId') cardId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<CommentResponseDto>> {
    return this.comments.list(p, cardId, page);
  }

  @Get('comments/:commentId')
  @ApiOperation({ summary: 'Get a comment' })
  @ApiOkResponse({ type: CommentResponseDto })
  @ApiProblems(400, 404)
  get(
    @CurrentPrincipal() p: Principal,
    @UuidParam('commentId') commentId: string,
  ): Promise<CommentResponseDto> {
    return this.comments.get(p, commentId);
  }

  @Patch('comments/:commentId')
  @ApiOperation({ summary: 'Edit a comment (its author only)' })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: CommentResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  update(
    @CurrentPrincipal() p: Principal,
    @UuidParam('commentId') commentId: string,
    @Body() dto: UpdateCommentDto,
    @IfMatch() ifMatch?: number,
  ): Promise<CommentResponseDto> {
    return this.comments.update(p, commentId, dto, ifMatch);
  }

  @Delete('comments/:commentId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a comment (its author, or an admin)' })
  @ApiIfMatch()
  @ApiNoContentResponse()
  @ApiProblems(400, 403, 404, 409)
  async remove(
    @CurrentPrincipal() p: Principal,
    @UuidParam('commentId') commentId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    await this.comments.remove(p, commentId, ifMatch);
  }
}
