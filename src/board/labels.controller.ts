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
import { CreateLabelDto, LabelResponseDto, UpdateLabelDto } from './dto/label.dto.js';
import { LabelsService } from './labels.service.js';

@ApiTags('board')
@ApiAuth()
@Controller('v1')
export class LabelsController {
  constructor(private readonly labels: LabelsService) {}

  @Post('boards/:boardId/labels')
  @ApiOperation({ summary: 'Create a label of the board (unique name per board)' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: LabelResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  create(
    @CurrentPrincipal() p: Principal,
    @UuidParam('boardId') boardId: string,
    @Body() dto: CreateLabelDto,
  ): Promise<LabelResponseDto> {
    return this.labels.create(p, boardId, dto);
  }

  @Get('boards/:boardId/labels')
  @ApiOperation({ summary: "A board's labels by name" })
  @ApiPage(LabelResponseDto)
  @ApiProblems(400, 404, 422)
  list(
    @CurrentPrincipal() p: Principal,
    @UuidParam('boardId') boardId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<LabelResponseDto>> {
    return this.labels.list(p, boardId, page);
  }

  @Get('labels/:labelId')
  @ApiOperation({ summary: 'Get a label' })
  @ApiOkResponse({ type: LabelResponseDto })
  @ApiProblems(400, 404)
  get(
    @CurrentPrincipal() p: Principal,
    @UuidParam('labelId') labelId: string,
  ): Promise<LabelResponseDto> {
    return this.labels.get(p, labelId);
  }

  @Patch('labels/:labelId')
  @ApiOperation({ summary: 'Rename or recolour a label' })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: LabelResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  update(
    @CurrentPrincipal() p: Principal,
    @UuidParam('labelId') labelId: string,
    @Body() dto: UpdateLabelDto,
    @IfMatch() ifMatch?: number,
  ): Promise<LabelResponseDto> {
    return this.labels.update(p, labelId, dto, ifMatch);
  }

  @Delete('labels/:labelId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a label (it comes off every card)' })
  @ApiIfMatch()
  @ApiNoContentResponse()
  @ApiProblems(400, 403, 404, 409)
  async remove(
    @CurrentPrincipal() p: Principal,
    @UuidParam('labelId') labelId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    await this.labels.remove(p, labelId, ifMatch);
  }
}
