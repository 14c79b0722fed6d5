import { Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/etag.js';
import { PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import { NoteResponseDto } from './dto/note.dto.js';
import { NoteRevisionResponseDto, NoteRevisionSummaryDto } from './dto/revision.dto.js';
import { NoteRevisionsService } from './note-revisions.service.js';

@ApiTags('notes')
@Controller('v1')
export class NoteRevisionsController {
  constructor(private readonly revisions: NoteRevisionsService) {}

  @Route({
    method: 'GET',
    path: 'notes/:noteId/revisions',
    summary: "List a note's revisions, newest first (without bodies)",
    role: 'viewer',
    success: { type: NoteRevisionSummaryDto },
    page: true,
    problems: [400, 404, 422],
  })
  list(
    @CurrentActor() actor: Actor,
    @UuidParam('noteId') noteId: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<NoteRevisionSummaryDto>> {
    return this.revisions.list(actor, noteId, page);
  }

  @Route({
    method: 'GET',
    path: 'notes/:noteId/revisions/:revisionId',
    summary: 'Get a revision with its body',
    role: 'viewer',
    success: { type: NoteRevisionResponseDto },
    problems: [400, 404],
  })
  get(
    @CurrentActor() actor: Actor,
    @UuidParam('noteId') noteId: string,
    @UuidParam('revisionId') revisionId: string,
  ): Promise<NoteRevisionResponseDto> {
    return this.revisions.get(actor, noteId, revisionId);
  }

  @Route({
    method: 'POST',
    path: 'notes/:noteId/revisions/:revisionId/restore',
    summary: "Restore a revision's title, body and tags (members)",
    description:
      'The state it replaces becomes a new revision. If-Match is the note’s current version.',
    role: 'member',
    success: { status: 200, type: NoteResponseDto },
    problems: [400, 403, 404, 409],
    ifMatch: true,
  })
  restore(
    @CurrentActor() actor: Actor,
    @UuidParam('noteId') noteId: string,
    @UuidParam('revisionId') revisionId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<NoteResponseDto> {
    return this.revisions.restore(actor, noteId, revisionId, ifMatch);
  }
}
