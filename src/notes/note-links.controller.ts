import { Controller, Delete, Get, HttpCode, HttpStatus, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth.decorators.js';
import { ApiAuth, ApiProblems } from '../common/openapi.js';
import { ApiPage, PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import type { Principal } from '../common/request-context.js';
import { LinkedNoteDto, NoteCardLinkDto } from './dto/link.dto.js';
import { NoteLinksService } from './note-links.service.js';

@ApiTags('notes')
@ApiAuth()
@Controller('v1')
export class NoteLinksController {
  constructor(private readonly links: NoteLinksService) {}

  @Put('notes/:noteId/cards/:cardId')
  @ApiOperation({
    summary: 'Link a card of the same workspace to a note (members; idempotent)',
    description:
      'Linking an already linked card changes nothing. A card of another workspace: 422.',
  })
  @ApiOkResponse({ type: NoteCardLinkDto })
  @ApiProblems(400, 403, 404, 422)
  link(
    @CurrentPrincipal() p: Principal,
    @UuidParam('noteId') noteId: string,
    @UuidParam('cardId') cardId: string,
  ): Promise<NoteCardLinkDto> {
    return this.links.link(p, noteId, cardId);
  }

  @Delete('notes/:noteId/cards/:cardId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Unlink a card from a note (members)' })
  @ApiNoContentResponse()
  @ApiProblems(400, 403, 404)
  async unlink(
    @CurrentPrincipal() p: Principal,
    @UuidParam('noteId') noteId: string,
    @UuidParam('cardId') cardId: string,
  ): Promise<void> {
    await this.links.unlink(p, noteId, cardId);
  }

  @Get('notes/:noteId/cards')
  @ApiOperation({ summary: 'The cards linked to a note, newest link first' })
  @ApiPage(NoteCardLinkDto)
  @ApiProblems(400, 404, 422)
  cardsOfNote(
    @CurrentPrincipal() p: Principal,
    @UuidParam('noteId') noteId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<NoteCardLinkDto>> {
    return this.links.cardsOfNote(p, noteId, page);
  }

  @Get('cards/:cardId/notes')
  @ApiOperation({ summary: 'The notes linked to a card, newest link first' })
  @ApiPage(LinkedNoteDto)
  @ApiProblems(400, 404, 422)
  notesOfCard(
    @CurrentPrincipal() p: Principal,
    @UuidParam('cardId') cardId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<LinkedNoteDto>> {
    return this.links.notesOfCard(p, cardId, page);
  }
}
