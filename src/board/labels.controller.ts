import { Body, Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/etag.js';
import { PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import { CreateLabelDto, LabelResponseDto, UpdateLabelDto } from './dto/label.dto.js';
import { LabelsService } from './labels.service.js';

@ApiTags('board')
@Controller('v1')
export class LabelsController {
  constructor(private readonly labels: LabelsService) {}

  @Route({
    method: 'POST',
    path: 'boards/:boardId/labels',
    summary: 'Create a label of the board (unique name per board)',
    role: 'member',
    success: { type: LabelResponseDto },
    problems: [400, 403, 404, 409, 422],
  })
  create(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
    @Body() dto: CreateLabelDto,
  ): Promise<LabelResponseDto> {
    return this.labels.create(actor, boardId, dto);
  }

  @Route({
    method: 'GET',
    path: 'boards/:boardId/labels',
    summary: "A board's labels by name",
    role: 'viewer',
    success: { type: LabelResponseDto },
    page: true,
    problems: [400, 404, 422],
  })
  list(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<LabelResponseDto>> {
    return this.labels.list(actor, boardId, page);
  }

  @Route({
    method: 'GET',
    path: 'labels/:labelId',
    summary: 'Get a label',
    role: 'viewer',
    success: { type: LabelResponseDto },
    problems: [400, 404],
  })
  get(
    @CurrentActor() actor: Actor,
    @UuidParam('labelId') labelId: string,
  ): Promise<LabelResponseDto> {
    return this.labels.get(actor, labelId);
  }

  @Route({
    method: 'PATCH',
    path: 'labels/:labelId',
    summary: 'Rename or recolour a label',
    role: 'member',
    success: { type: LabelResponseDto },
    problems: [400, 403, 404, 409, 422],
    ifMatch: true,
  })
  update(
    @CurrentActor() actor: Actor,
    @UuidParam('labelId') labelId: string,
    @Body() dto: UpdateLabelDto,
    @IfMatch() ifMatch?: number,
  ): Promise<LabelResponseDto> {
    return this.labels.update(actor, labelId, dto, ifMatch);
  }

  @Route({
    method: 'DELETE',
    path: 'labels/:labelId',
    summary: 'Delete a label (it comes off every card)',
    role: 'member',
    success: { status: 204 },
    problems: [400, 403, 404, 409],
    ifMatch: true,
  })
  remove(
    @CurrentActor() actor: Actor,
    @UuidParam('labelId') labelId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    return this.labels.remove(actor, labelId, ifMatch);
  }
}
