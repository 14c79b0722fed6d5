import { Body, Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/etag.js';
import type { Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import {
  CreateNoteDto,
  ListNotesQueryDto,
  NoteResponseDto,
  NoteSummaryDto,
  UpdateNoteDto,
} from './dto/note.dto.js';
import { NOTE_REQUEST_BODY_LIMIT_BYTES } from './notes.constants.js';
import { NotesService } from './notes.service.js';

@ApiTags('notes')
@Controller('v1')
export class NotesController {
  constructor(private readonly notes: NotesService) {}

  @Route({
    method: 'POST',
    path: 'workspaces/:workspaceId/notes',
    summary: 'Create a note (members)',
    role: 'member',
    success: { type: NoteResponseDto },
    problems: [400, 403, 404, 409, 413, 422],
    // Routes carrying a note body accept requests big enough for any valid note.
    bodyLimit: NOTE_REQUEST_BODY_LIMIT_BYTES,
  })
  create(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
    @Body() dto: CreateNoteDto,
  ): Promise<NoteResponseDto> {
    return this.notes.create(actor, workspaceId, dto);
  }

  @Route({
    method: 'GET',
    path: 'workspaces/:workspaceId/notes',
    summary: 'List or search notes',
    description:
      'Without `q`: pinned first, then most recently updated. With `q`: full-text search results, most relevant first, each with a highlighted `snippet`. Archived notes only with `archived=true`.',
    role: 'viewer',
    success: { type: NoteSummaryDto },
    page: true,
    problems: [400, 404, 422],
  })
  list(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
    @Query() query: ListNotesQueryDto,
  ): Promise<Page<NoteSummaryDto>> {
    return this.notes.list(actor, workspaceId, query);
  }

  @Route({
    method: 'GET',
    path: 'notes/:noteId',
    summary: 'Get a note',
    role: 'viewer',
    success: { type: NoteResponseDto },
    problems: [400, 404],
  })
  get(@CurrentActor() actor: Actor, @UuidParam('noteId') noteId: string): Promise<NoteResponseDto> {
    return this.notes.get(actor, noteId);
  }

  @Route({
    method: 'PATCH',
    path: 'notes/:noteId',
    summary: 'Update, pin, archive (`archived: true`) or restore (`archived: false`) a note',
    description:
      'A change of title, body or tags keeps the previous state as a revision. Send If-Match to refuse overwriting a newer version (412).',
    role: 'member',
    success: { type: NoteResponseDto },
    problems: [400, 403, 404, 409, 413, 422],
    ifMatch: true,
    bodyLimit: NOTE_REQUEST_BODY_LIMIT_BYTES,
  })
  update(
    @CurrentActor() actor: Actor,
    @UuidParam('noteId') noteId: string,
    @Body() dto: UpdateNoteDto,
    @IfMatch() ifMatch?: number,
  ): Promise<NoteResponseDto> {
    return this.notes.update(actor, noteId, dto, ifMatch);
  }

  @Route({
    method: 'DELETE',
    path: 'notes/:noteId',
    summary: 'Delete a note with its revisions and card links',
    role: 'member',
    success: { status: 204 },
    problems: [400, 403, 404, 409],
    ifMatch: true,
  })
  remove(
    @CurrentActor() actor: Actor,
    @UuidParam('noteId') noteId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    return this.notes.remove(actor, noteId, ifMatch);
  }
}
