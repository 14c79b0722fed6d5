import { Body, Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/etag.js';
import { PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import { ColumnsService } from './columns.service.js';
import {
  ColumnResponseDto,
  CreateColumnDto,
  DeleteColumnQueryDto,
  MoveColumnDto,
  UpdateColumnDto,
} from './dto/column.dto.js';

@ApiTags('board')
@Controller('v1')
export class ColumnsController {
  constructor(private readonly columns: ColumnsService) {}

  @Route({
    method: 'POST',
    path: 'boards/:boardId/columns',
    summary: 'Add a column (last, or after/before another)',
    role: 'member',
    success: { type: ColumnResponseDto },
    problems: [400, 403, 404, 409, 422],
  })
  create(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
    @Body() dto: CreateColumnDto,
  ): Promise<ColumnResponseDto> {
    return this.columns.create(actor, boardId, dto);
  }

  @Route({
    method: 'GET',
    path: 'boards/:boardId/columns',
    summary: "A board's columns in order",
    role: 'viewer',
    success: { type: ColumnResponseDto },
    page: true,
    problems: [400, 404, 422],
  })
  list(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<ColumnResponseDto>> {
    return this.columns.list(actor, boardId, page);
  }

  @Route({
    method: 'GET',
    path: 'columns/:columnId',
    summary: 'Get a column',
    role: 'viewer',
    success: { type: ColumnResponseDto },
    problems: [400, 404],
  })
  get(
    @CurrentActor() actor: Actor,
    @UuidParam('columnId') columnId: string,
  ): Promise<ColumnResponseDto> {
    return this.columns.get(actor, columnId);
  }

  @Route({
    method: 'PATCH',
    path: 'columns/:columnId',
    summary:
      'Rename, set or clear the WIP limit, mark or unmark as the done column or as in progress',
    role: 'member',
    success: { type: ColumnResponseDto },
    problems: [400, 403, 404, 409, 422],
    ifMatch: true,
  })
  update(
    @CurrentActor() actor: Actor,
    @UuidParam('columnId') columnId: string,
    @Body() dto: UpdateColumnDto,
    @IfMatch() ifMatch?: number,
  ): Promise<ColumnResponseDto> {
    return this.columns.update(actor, columnId, dto, ifMatch);
  }

  @Route({
    method: 'POST',
    path: 'columns/:columnId/move',
    summary: 'Reorder a column: after/before another column, or last',
    role: 'member',
    success: { status: 200, type: ColumnResponseDto },
    problems: [400, 403, 404, 409, 422],
    ifMatch: true,
  })
  move(
    @CurrentActor() actor: Actor,
    @UuidParam('columnId') columnId: string,
    @Body() dto: MoveColumnDto,
    @IfMatch() ifMatch?: number,
  ): Promise<ColumnResponseDto> {
    return this.columns.move(actor, columnId, dto, ifMatch);
  }

  @Route({
    method: 'DELETE',
    path: 'columns/:columnId',
    summary:
      'Delete a column: only when empty, or with ?moveCardsTo=<columnId> to move its cards first',
    role: 'member',
    success: { status: 204 },
    problems: [400, 403, 404, 409, 422],
    ifMatch: true,
  })
  remove(
    @CurrentActor() actor: Actor,
    @UuidParam('columnId') columnId: string,
    @Query() query: DeleteColumnQueryDto,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    return this.columns.remove(actor, columnId, query, ifMatch);
  }
}
