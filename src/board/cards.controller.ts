import { Body, Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/etag.js';
import type { Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
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
@Controller('v1')
export class CardsController {
  constructor(private readonly cards: CardsService) {}

  @Route({
    method: 'POST',
    path: 'boards/:boardId/cards',
    summary: 'Create a card (bottom of the column unless placed), within the column WIP limit',
    role: 'member',
    success: { type: CardResponseDto },
    problems: [400, 403, 404, 409, 422],
  })
  create(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
    @Body() dto: CreateCardDto,
  ): Promise<CardResponseDto> {
    return this.cards.create(actor, boardId, dto);
  }

  @Route({
    method: 'GET',
    path: 'boards/:boardId/cards',
    summary: "A board's cards by column order then position, filtered; without descriptions",
    role: 'viewer',
    success: { type: CardSummaryResponseDto },
    page: true,
    problems: [400, 404, 422],
  })
  list(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
    @Query() query: ListCardsQueryDto,
  ): Promise<Page<CardSummaryResponseDto>> {
    return this.cards.list(actor, boardId, query);
  }

  @Route({
    method: 'GET',
    path: 'cards/:cardId',
    summary: 'Get a card',
    role: 'viewer',
    success: { type: CardResponseDto },
    problems: [400, 404],
  })
  get(@CurrentActor() actor: Actor, @UuidParam('cardId') cardId: string): Promise<CardResponseDto> {
    return this.cards.get(actor, cardId);
  }

  @Route({
    method: 'PATCH',
    path: 'cards/:cardId',
    summary: 'Edit title, description, labels, assignees, due date, checklist',
    role: 'member',
    success: { type: CardResponseDto },
    problems: [400, 403, 404, 409, 422],
    ifMatch: true,
  })
  update(
    @CurrentActor() actor: Actor,
    @UuidParam('cardId') cardId: string,
    @Body() dto: UpdateCardDto,
    @IfMatch() ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.cards.update(actor, cardId, dto, ifMatch);
  }

  @Route({
    method: 'POST',
    path: 'cards/:cardId/move',
    summary:
      'Move a card: to columnId, right after afterCardId, right before beforeCardId, or top/bottom (default bottom)',
    role: 'member',
    success: { status: 200, type: CardResponseDto },
    problems: [400, 403, 404, 409, 422],
    ifMatch: true,
  })
  move(
    @CurrentActor() actor: Actor,
    @UuidParam('cardId') cardId: string,
    @Body() dto: MoveCardDto,
    @IfMatch() ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.cards.move(actor, cardId, dto, ifMatch);
  }

  @Route({
    method: 'POST',
    path: 'cards/:cardId/archive',
    summary: 'Archive a card (keeps its place; frees a WIP slot)',
    role: 'member',
    success: { status: 200, type: CardResponseDto },
    problems: [400, 403, 404, 409],
    ifMatch: true,
  })
  archive(
    @CurrentActor() actor: Actor,
    @UuidParam('cardId') cardId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.cards.setArchived(actor, cardId, true, ifMatch);
  }

  @Route({
    method: 'POST',
    path: 'cards/:cardId/restore',
    summary: 'Restore an archived card to its place (needs a free WIP slot)',
    role: 'member',
    success: { status: 200, type: CardResponseDto },
    problems: [400, 403, 404, 409],
    ifMatch: true,
  })
  restore(
    @CurrentActor() actor: Actor,
    @UuidParam('cardId') cardId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<CardResponseDto> {
    return this.cards.setArchived(actor, cardId, false, ifMatch);
  }

  @Route({
    method: 'DELETE',
    path: 'cards/:cardId',
    summary: 'Delete a card for good (its audit event keeps the record)',
    role: 'member',
    success: { status: 204 },
    problems: [400, 403, 404, 409],
    ifMatch: true,
  })
  remove(
    @CurrentActor() actor: Actor,
    @UuidParam('cardId') cardId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    return this.cards.remove(actor, cardId, ifMatch);
  }
}
