import { Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/auth.decorators.js';
import { IfMatch } from '../common/etag.js';
import { ApiAuth, ApiIdempotencyKey, ApiIfMatch, ApiProblems } from '../common/openapi.js';
import { ApiPage, PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import type { Principal } from '../common/request-context.js';
import { NoteResponseDto } from './dto/note.dto.js';
import { NoteRevisionResponseDto, NoteRevisionSummaryDto } from './dto/revision.dto.js';
import { NoteRevisionsService } from './note-revisions.service.js';

@ApiTags('notes')
@ApiAuth()
@Controller('v1/notes/:noteId/revisions')
export class NoteRevisionsController {
  constructor(private readonly revisions: NoteRevisionsService) {}

  @Get()
  @ApiOperation({ summary: "List a note's revisions, newest first (without bodies)" })
  @ApiPage(NoteRevisionSummaryDto)
  @ApiProblems(400, 404, 422)
  list(
    @CurrentPrincipal() p: Principal,
    @UuidParam('noteId') noteId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<NoteRevisionSummaryDto>> {
    return this.revisions.list(p, noteId, page);
  }

  @Get(':revisionId')
  @ApiOperation({ summary: 'Get a revision with its body' })
  @ApiOkResponse({ type: NoteRevisionResponseDto })
  @ApiProblems(400, 404)
  get(
    @CurrentPrincipal() p: Principal,
    @UuidParam('noteId') noteId: string,
    @UuidParam('revisionId') revisionId: string,
  ): Promise<NoteRevisionResponseDto> {
    return this.revisions.get(p, noteId, revisionId);
  }

  @Post(':revisionId/restore')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: "Restore a revision's title, body and tags (members)",
    description:
      'The state it replaces becomes a new revision. If-Match is the note’s current version.',
  })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: NoteResponseDto })
  @ApiProblems(400, 403, 404, 409)
  restore(
    @CurrentPrincipal() p: Principal,
    @UuidParam('noteId') noteId: string,
    @UuidParam('revisionId') revisionId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<NoteResponseDto> {
    return this.revisions.restore(p, noteId, revisionId, ifMatch);
  }
}
