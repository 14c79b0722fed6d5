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
import { ColumnsService } from './columns.service.js';
import {
  ColumnResponseDto,
  CreateColumnDto,
  DeleteColumnQueryDto,
  MoveColumnDto,
  UpdateColumnDto,
} from './dto/column.dto.js';

@ApiTags('board')
@ApiAuth()
@Controller('v1')
export class ColumnsController {
  constructor(private readonly columns: ColumnsService) {}

  @Post('boards/:boardId/columns')
  @ApiOperation({ summary: 'Add a column (last, or after/before another)' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: ColumnResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  create(
    @CurrentPrincipal() p: Principal,
    @UuidParam('boardId') boardId: string,
    @Body() dto: CreateColumnDto,
  ): Promise<ColumnResponseDto> {
    return this.columns.create(p, boardId, dto);
  }

  @Get('boards/:boardId/columns')
  @ApiOperation({ summary: "A board's columns in order" })
  @ApiPage(ColumnResponseDto)
  @ApiProblems(400, 404, 422)
  list(
    @CurrentPrincipal() p: Principal,
    @UuidParam('boardId') boardId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<ColumnResponseDto>> {
    return this.columns.list(p, boardId, page);
  }

  @Get('columns/:columnId')
  @ApiOperation({ summary: 'Get a column' })
  @ApiOkResponse({ type: ColumnResponseDto })
  @ApiProblems(400, 404)
  get(
    @CurrentPrincipal() p: Principal,
    @UuidParam('columnId') columnId: string,
  ): Promise<ColumnResponseDto> {
    return this.columns.get(p, columnId);
  }

  @Patch('columns/:columnId')
  @ApiOperation({
    summary: 'Rename, set or clear the WIP limit, mark or unmark as the done column',
  })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: ColumnResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  update(
    @CurrentPrincipal() p: Principal,
    @UuidParam('columnId') columnId: string,
    @Body() dto: UpdateColumnDto,
    @IfMatch() ifMatch?: number,
  ): Promise<ColumnResponseDto> {
    return this.columns.update(p, columnId, dto, ifMatch);
  }

  @Post('columns/:columnId/move')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Reorder a column: after/before another column, or last' })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: ColumnResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  move(
    @CurrentPrincipal() p: Principal,
    @UuidParam('columnId') columnId: string,
    @Body() dto: MoveColumnDto,
    @IfMatch() ifMatch?: number,
  ): Promise<ColumnResponseDto> {
    return this.columns.move(p, columnId, dto, ifMatch);
  }

  @Delete('columns/:columnId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      'Delete a column: only when empty, or with ?moveCardsTo=<columnId> to move its cards first',
  })
  @ApiIfMatch()
  @ApiNoContentResponse()
  @ApiProblems(400, 403, 404, 409, 422)
  async remove(
    @CurrentPrincipal() p: Principal,
    @UuidParam('columnId') columnId: string,
    @Query() query: DeleteColumnQueryDto,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    await this.columns.remove(p, columnId, query, ifMatch);
  }
}
