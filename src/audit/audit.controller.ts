import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiAuth, ApiProblems } from '../common/openapi.js';
import type { Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import { AuditLogService } from './audit-log.service.js';
import { CSV_COLUMNS } from './audit-export.js';
import {
  AuditEventResponseDto,
  AuditVerificationDto,
  ExportAuditEventsQueryDto,
  ListAuditEventsQueryDto,
} from './dto/audit-event.dto.js';

const FILTERS_DOC =
  'Filters combine with AND: `actorId`, `action` (exact, or a prefix like `card.*`), ' +
  '`entityType`, `entityId`, `from` (inclusive) and `to` (exclusive) on `occurredAt`. ' +
  'Newest first; cursor pagination.';

@ApiTags('audit')
@ApiExtraModels(AuditEventResponseDto)
@Controller('v1')
export class AuditController {
  constructor(private readonly log: AuditLogService) {}

  @Route({
    method: 'GET',
    path: 'workspaces/:workspaceId/audit-events',
    summary: "List a workspace's audit events (admins and owners)",
    description: FILTERS_DOC,
    role: 'admin',
    success: { type: AuditEventResponseDto },
    page: true,
    problems: [400, 403, 404, 422],
  })
  list(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
    @Query() query: ListAuditEventsQueryDto,
  ): Promise<Page<AuditEventResponseDto>> {
    return this.log.list(actor, workspaceId, query);
  }

  // A streamed file, not JSON: declared with its own response content types, not `@Route`.

  @Get('workspaces/:workspaceId/audit-events/export')
  @ApiOperation({
    summary: "Export a workspace's audit events as NDJSON or CSV (admins and owners)",
    description:
      '**Role:** Admins and owners (API tokens: `admin` scope). Streamed, oldest first, every event in [from, to) up to the chain tip at the start of ' +
      'the export. NDJSON: one event per line, the same JSON as the list (exact values, ' +
      'verifiable). CSV (RFC 4180, CRLF, header row): columns ' +
      CSV_COLUMNS.map((c) => `\`${c}\``).join(', ') +
      '; `changes` is JSON in one cell; a cell that would start a spreadsheet formula ' +
      "(`=`, `+`, `-`, `@`) is prefixed with `'`. A failure mid-stream aborts the connection " +
      'instead of ending a truncated file normally.',
  })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({
    description: 'The events; `Content-Disposition: attachment` names the file.',
    content: {
      'application/x-ndjson': { schema: { type: 'string', format: 'binary' } },
      'text/csv': { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiProblems(400, 403, 404, 422)
  @ApiAuth()
  export(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
    @Query() query: ExportAuditEventsQueryDto,
  ): Promise<StreamableFile> {
    return this.log.export(actor, workspaceId, query);
  }

  @Route({
    method: 'GET',
    path: 'workspaces/:workspaceId/audit-events/verify',
    summary: "Recompute a workspace's hash chain (admins and owners)",
    description:
      'Reads the chain from seq 1 to its committed tip and recomputes every hash. ' +
      '`firstBrokenSeq` is the first event that is missing, altered, or not linked to its ' +
      'predecessor; `checked` counts the intact events before it.',
    role: 'admin',
    success: { type: AuditVerificationDto },
    problems: [400, 403, 404],
  })
  verify(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
  ): Promise<AuditVerificationDto> {
    return this.log.verify(actor, workspaceId);
  }

  @Route({
    method: 'GET',
    path: 'me/audit-events',
    summary: 'List my account-level audit events (sign-ins, sessions, API tokens)',
    description: `Events without a workspace, on your own account chain. ${FILTERS_DOC}`,
    success: { type: AuditEventResponseDto },
    page: true,
    problems: [400, 422],
  })
  listMine(
    @CurrentActor() actor: Actor,
    @Query() query: ListAuditEventsQueryDto,
  ): Promise<Page<AuditEventResponseDto>> {
    return this.log.listMine(actor, query);
  }
}
