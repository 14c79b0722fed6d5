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
import { CardsService } from './cards.service.js';
import {
  CardResponseDto,
  CardSummaryResponseDto,
  CreateCardDto,
  ListCardsQueryDto,
  MoveCardDto,
  UpdateCardDto,
} from './dto/card.dto.js';

@ApiTags('board')
@ApiAuth()
@Controller('v1')
export class CardsController {
  constructor(private readonly cards: CardsService) {}

  @Post('boards/:boardId/cards')
  @ApiOperation({
    summary: 'Create a card (bottom of the column unless placed), within the column WIP limit',
  })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: CardResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  create(
    @CurrentPrincipal() p: Principal,
    @UuidParam('boardId') boardId: string,
    @Body() dto: CreateCardDto,
  ): Promise<CardResponseDto> {
    return this.cards.create(p, boardId, dto);
  }

  @Get('boards/:boardId/cards')
  @ApiOperation({
    summary: "A board's cards by column order then position, filtered; without descriptions",
  })
  @ApiPage(CardSummaryResponseDto)
  @ApiProblems(400, 404, 422)
  list(
    @CurrentPrincipal() p: Principal,
    @UuidParam('boardId') boardId: string,
    @Query() query: ListCardsQueryDto,
  ): Promise<Page<CardSummaryResponseDto>> {
    return this.cards.list(p, boardId, query);
  }

  @Get('cards/:cardId')
  @ApiOperation({ summary: 'Get a card' })
  @ApiOkResponse({ type: CardResponseDto })
  @ApiProblems(400, 404)
  get(
    @CurrentPrincipal() p: Principal,
    @UuidParam('cardId') cardId: string,
  ): Promise<CardResponseDto> {
    return this.cards.get(p, cardId);
  }

  @Patch('cards/:cardId')
  @ApiOperation({ summary: 'Edit title, description, labels, assignees, due date, checklist' })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: CardResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  update(
    @CurrentPrincipal() p: Principal,
    @UuidParam('cardId') cardId: string,
    @Body() dto: UpdateCardDto,
    @IfMatch() ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.cards.update(p, cardId, dto, ifMatch);
  }

  @Post('cards/:cardId/move')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Move a card: to columnId, right after afterCardId, right before beforeCardId, or top/bottom (default bottom)',
  })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: CardResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  move(
    @CurrentPrincipal() p: Principal,
    @UuidParam('cardId') cardId: string,
    @Body() dto: MoveCardDto,
    @IfMatch() ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.cards.move(p, cardId, dto, ifMatch);
  }

  @Post('cards/:cardId/archive')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Archive a card (keeps its place; frees a WIP slot)' })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: CardResponseDto })
  @ApiProblems(400, 403, 404, 409)
  archive(
    @CurrentPrincipal() p: Principal,
    @UuidParam('cardId') cardId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.cards.setArchived(p, cardId, true, ifMatch);
  }

  @Post('cards/:cardId/restore')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Restore an archived card to its place (needs a free WIP slot)' })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: CardResponseDto })
  @ApiProblems(400, 403, 404, 409)
  restore(
    @CurrentPrincipal() p: Principal,
    @UuidParam('cardId') cardId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.cards.setArchived(p, cardId, false, ifMatch);
  }

  @Delete('cards/:cardId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a card for good (its audit event keeps the record)' })
  @ApiIfMatch()
  @ApiNoContentResponse()
  @ApiProblems(400, 403, 404, 409)
  async remove(
    @CurrentPrincipal() p: Principal,
    @UuidParam('cardId') cardId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    await this.cards.remove(p, cardId, ifMatch);
  }
}
