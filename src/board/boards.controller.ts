import { Body, Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/etag.js';
import type { Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import { BoardViewService } from './board-view.service.js';
import { BoardsService } from './boards.service.js';
import { BoardViewQueryDto, BoardViewResponseDto } from './dto/board-view.dto.js';
import {
  BoardResponseDto,
  CreateBoardDto,
  ListBoardsQueryDto,
  UpdateBoardDto,
} from './dto/board.dto.js';

@ApiTags('board')
@Controller('v1')
export class BoardsController {
  constructor(
    private readonly boards: BoardsService,
    private readonly views: BoardViewService,
  ) {}

  @Route({
    method: 'POST',
    path: 'workspaces/:workspaceId/boards',
    summary: 'Create a board, with default columns unless asked not to',
    role: 'member',
    success: { type: BoardResponseDto },
    problems: [400, 403, 404, 409, 422],
  })
  create(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
    @Body() dto: CreateBoardDto,
  ): Promise<BoardResponseDto> {
    return this.boards.create(actor, workspaceId, dto);
  }

  @Route({
    method: 'GET',
    path: 'workspaces/:workspaceId/boards',
    summary: "List a workspace's boards (active, or archived with ?archived=true)",
    role: 'viewer',
    success: { type: BoardResponseDto },
    page: true,
    problems: [400, 404, 422],
  })
  list(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
    @Query() query: ListBoardsQueryDto,
  ): Promise<Page<BoardResponseDto>> {
    return this.boards.list(actor, workspaceId, query);
  }

  @Route({
    method: 'GET',
    path: 'boards/:boardId',
    summary: 'Get a board',
    role: 'viewer',
    success: { type: BoardResponseDto },
    problems: [400, 404],
  })
  get(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
  ): Promise<BoardResponseDto> {
    return this.boards.get(actor, boardId);
  }

  @Route({
    method: 'GET',
    path: 'boards/:boardId/view',
    summary: 'Everything needed to draw a board, in one call',
    description:
      "The board, its columns in order each with its first `cardsPerColumn` non-archived cards (as in the card list) and a `nextCursor` for the rest (`GET /v1/boards/{boardId}/cards?columnId=...&cursor=...`), the board's labels, and the members the cards shown refer to.",
    role: 'viewer',
    success: { type: BoardViewResponseDto },
    problems: [400, 404, 422],
  })
  view(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
    @Query() query: BoardViewQueryDto,
  ): Promise<BoardViewResponseDto> {
    return this.views.view(actor, boardId, query);
  }

  @Route({
    method: 'PATCH',
    path: 'boards/:boardId',
    summary: 'Rename or describe a board',
    role: 'member',
    success: { type: BoardResponseDto },
    problems: [400, 403, 404, 409, 422],
    ifMatch: true,
  })
  update(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
    @Body() dto: UpdateBoardDto,
    @IfMatch() ifMatch?: number,
  ): Promise<BoardResponseDto> {
    return this.boards.update(actor, boardId, dto, ifMatch);
  }

  @Route({
    method: 'POST',
    path: 'boards/:boardId/archive',
    summary: 'Archive a board: read-only and out of the default list',
    role: 'member',
    success: { status: 200, type: BoardResponseDto },
    problems: [400, 403, 404, 409],
    ifMatch: true,
  })
  archive(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<BoardResponseDto> {
    return this.boards.setArchived(actor, boardId, true, ifMatch);
  }

  @Route({
    method: 'POST',
    path: 'boards/:boardId/restore',
    summary: 'Restore an archived board',
    role: 'member',
    success: { status: 200, type: BoardResponseDto },
    problems: [400, 403, 404, 409],
    ifMatch: true,
  })
  restore(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<BoardResponseDto> {
    return this.boards.setArchived(actor, boardId, false, ifMatch);
  }

  @Route({
    method: 'DELETE',
    path: 'boards/:boardId',
    summary: 'Delete a board with all its columns, cards, labels, comments',
    role: 'admin',
    success: { status: 204 },
    problems: [400, 403, 404, 409],
    ifMatch: true,
  })
  remove(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    return this.boards.remove(actor, boardId, ifMatch);
  }
}
