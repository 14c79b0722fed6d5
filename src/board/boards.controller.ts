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
import { ApiPage, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import type { Principal } from '../common/request-context.js';
import { BoardsService } from './boards.service.js';
import {
  BoardResponseDto,
  CreateBoardDto,
  ListBoardsQueryDto,
  UpdateBoardDto,
} from './dto/board.dto.js';

@ApiTags('board')
@ApiAuth()
@Controller('v1')
export class BoardsController {
  constructor(private readonly boards: BoardsService) {}

  @Post('workspaces/:workspaceId/boards')
  @ApiOperation({ summary: 'Create a board (members), with default columns unless asked not to' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: BoardResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  create(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') workspaceId: string,
    @Body() dto: CreateBoardDto,
  ): Promise<BoardResponseDto> {
    return this.boards.create(p, workspaceId, dto);
  }

  @Get('workspaces/:workspaceId/boards')
  @ApiOperation({ summary: "List a workspace's boards (active, or archived with ?archived=true)" })
  @ApiPage(BoardResponseDto)
  @ApiProblems(400, 404, 422)
  list(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') workspaceId: string,
    @Query() query: ListBoardsQueryDto,
  ): Promise<Page<BoardResponseDto>> {
    return this.boards.list(p, workspaceId, query);
  }

  @Get('boards/:boardId')
  @ApiOperation({ summary: 'Get a board' })
  @ApiOkResponse({ type: BoardResponseDto })
  @ApiProblems(400, 404)
  get(
    @CurrentPrincipal() p: Principal,
    @UuidParam('boardId') boardId: string,
  ): Promise<BoardResponseDto> {
    return this.boards.get(p, boardId);
  }

  @Patch('boards/:boardId')
  @ApiOperation({ summary: 'Rename or describe a board (members)' })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: BoardResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  update(
    @CurrentPrincipal() p: Principal,
    @UuidParam('boardId') boardId: string,
    @Body() dto: UpdateBoardDto,
    @IfMatch() ifMatch?: number,
  ): Promise<BoardResponseDto> {
    return this.boards.update(p, boardId, dto, ifMatch);
  }

  @Post('boards/:boardId/archive')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Archive a board: read-only and out of the default list (members)' })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: BoardResponseDto })
  @ApiProblems(400, 403, 404, 409)
  archive(
    @CurrentPrincipal() p: Principal,
    @UuidParam('boardId') boardId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<BoardResponseDto> {
    return this.boards.setArchived(p, boardId, true, ifMatch);
  }

  @Post('boards/:boardId/restore')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Restore an archived board (members)' })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: BoardResponseDto })
  @ApiProblems(400, 403, 404, 409)
  restore(
    @CurrentPrincipal() p: Principal,
    @UuidParam('boardId') boardId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<BoardResponseDto> {
    return this.boards.setArchived(p, boardId, false, ifMatch);
  }

  @Delete('boards/:boardId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete a board with all its columns, cards, labels, comments (admins)',
  })
  @ApiIfMatch()
  @ApiNoContentResponse()
  @ApiProblems(400, 403, 404, 409)
  async remove(
    @CurrentPrincipal() p: Principal,
    @UuidParam('boardId') boardId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    await this.boards.remove(p, boardId, ifMatch);
  }
}
