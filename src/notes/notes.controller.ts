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
import { RouteConfig } from '@nestjs/platform-fastify';
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
import {
  CreateNoteDto,
  ListNotesQueryDto,
  NoteResponseDto,
  NoteSummaryDto,
  UpdateNoteDto,
} from './dto/note.dto.js';
import { NOTE_REQUEST_BODY_LIMIT_BYTES } from './notes.constants.js';
import { NotesService } from './notes.service.js';

/** Routes carrying a note body accept requests big enough for any valid note (see constants). */
const NoteBodyLimit = () => RouteConfig({ bodyLimit: NOTE_REQUEST_BODY_LIMIT_BYTES });

@ApiTags('notes')
@ApiAuth()
@Controller('v1')
export class NotesController {
  constructor(private readonly notes: NotesService) {}

  @Post('workspaces/:workspaceId/notes')
  @NoteBodyLimit()
  @ApiOperation({ summary: 'Create a note (members)' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: NoteResponseDto })
  @ApiProblems(400, 403, 404, 409, 413, 422)
  create(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') workspaceId: string,
    @Body() dto: CreateNoteDto,
  ): Promise<NoteResponseDto> {
    return this.notes.create(p, workspaceId, dto);
  }

  @Get('workspaces/:workspaceId/notes')
  @ApiOperation({
    summary: 'List or search notes',
    description:
      'Without `q`: pinned first, then most recently updated. With `q`: full-text search results, most relevant first, each with a highlighted `snippet`. Archived notes only with `archived=true`.',
  })
  @ApiPage(NoteSummaryDto)
  @ApiProblems(400, 404, 422)
  list(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') workspaceId: string,
    @Query() query: ListNotesQueryDto,
  ): Promise<Page<NoteSummaryDto>> {
    return this.notes.list(p, workspaceId, query);
  }

  @Get('notes/:noteId')
  @ApiOperation({ summary: 'Get a note' })
  @ApiOkResponse({ type: NoteResponseDto })
  @ApiProblems(400, 404)
  get(
    @CurrentPrincipal() p: Principal,
    @UuidParam('noteId') noteId: string,
  ): Promise<NoteResponseDto> {
    return this.notes.get(p, noteId);
  }

  @Patch('notes/:noteId')
  @NoteBodyLimit()
  @ApiOperation({
    summary: 'Update, pin, archive (`archived: true`) or restore (`archived: false`) a note',
    description:
      'A change of title, body or tags keeps the previous state as a revision. Send If-Match to refuse overwriting a newer version (412).',
  })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: NoteResponseDto })
  @ApiProblems(400, 403, 404, 409, 413, 422)
  update(
    @CurrentPrincipal() p: Principal,
    @UuidParam('noteId') noteId: string,
    @Body() dto: UpdateNoteDto,
    @IfMatch() ifMatch?: number,
  ): Promise<NoteResponseDto> {
    return this.notes.update(p, noteId, dto, ifMatch);
  }

  @Delete('notes/:noteId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a note with its revisions and card links' })
  @ApiIfMatch()
  @ApiNoContentResponse()
  @ApiProblems(400, 403, 404, 409)
  async remove(
    @CurrentPrincipal() p: Principal,
    @UuidParam('noteId') noteId: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    await this.notes.remove(p, noteId, ifMatch);
  }
}
