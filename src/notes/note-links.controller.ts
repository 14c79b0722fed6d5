import { Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import { LinkedNoteDto, NoteCardLinkDto } from './dto/link.dto.js';
import { NoteLinksService } from './note-links.service.js';

@ApiTags('notes')
@Controller('v1')
export class NoteLinksController {
  constructor(private readonly links: NoteLinksService) {}

  @Route({
    method: 'PUT',
    path: 'notes/:noteId/cards/:cardId',
    summary: 'Link a card of the same workspace to a note (members; idempotent)',
    description:
      'Linking an already linked card changes nothing. A card of another workspace: 422.',
    role: 'member',
    success: { type: NoteCardLinkDto },
    problems: [400, 403, 404, 422],
  })
  link(
    @CurrentActor() actor: Actor,
    @UuidParam('noteId') noteId: string,
    @UuidParam('cardId') cardId: string,
  ): Promise<NoteCardLinkDto> {
    return this.links.link(actor, noteId, cardId);
  }

  @Route({
    method: 'DELETE',
    path: 'notes/:noteId/cards/:cardId',
    summary: 'Unlink a card from a note (members)',
    role: 'member',
    success: { status: 204 },
    problems: [400, 403, 404],
  })
  unlink(
    @CurrentActor() actor: Actor,
    @UuidParam('noteId') noteId: string,
    @UuidParam('cardId') cardId: string,
  ): Promise<void> {
    return this.links.unlink(actor, noteId, cardId);
  }

  @Route({
    method: 'GET',
    path: 'notes/:noteId/cards',
    summary: 'The cards linked to a note, newest link first',
    role: 'viewer',
    success: { type: NoteCardLinkDto },
    page: true,
    problems: [400, 404, 422],
  })
  cardsOfNote(
    @CurrentActor() actor: Actor,
    @UuidParam('noteId') noteId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<NoteCardLinkDto>> {
    return this.links.cardsOfNote(actor, noteId, page);
  }

  @Route({
    method: 'GET',
    path: 'cards/:cardId/notes',
    summary: 'The notes linked to a card, newest link first',
    role: 'viewer',
    success: { type: LinkedNoteDto },
    page: true,
    problems: [400, 404, 422],
  })
  notesOfCard(
    @CurrentActor() actor: Actor,
    @UuidParam('cardId') cardId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<LinkedNoteDto>> {
    return this.links.notesOfCard(actor, cardId, page);
  }
}
