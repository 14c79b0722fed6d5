import { Readable } from 'node:stream';
import { Injectable, Logger, StreamableFile } from '@nestjs/common';
import { principalUserId } from '../common/auth.decorators.js';
import type { Page } from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import { TransactionHost } from '../database/transaction-host.js';
import type { Actor } from '../kernel/actor.js';
import { Clock } from '../kernel/clock.js';
import { WorkspaceUnitOfWork } from '../kernel/unit-of-work.js';
import { csvHeader, csvRow, ndjsonLine } from './audit-export.js';
import { toAuditEventResponse } from './audit.mappers.js';
import {
  chainBatch,
  chainTip,
  eventsPage,
  exportBatch,
  type AuditFilters,
  type ExportPosition,
} from './audit.queries.js';
import { accountChainKey, workspaceChainKey } from './audit.service.js';
import { ChainVerifier, type ChainVerification, type StoredEvent } from './chain-verifier.js';
import type {
  AuditEventResponseDto,
  ExportAuditEventsQueryDto,
  ExportFormat,
  ListAuditEventsQueryDto,
} from './dto/audit-event.dto.js';

/** Rows per database round trip when exporting or verifying: memory stays constant. */
export const AUDIT_STREAM_BATCH_SIZE = 1000;

const CONTENT_TYPES: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/**
 * Reading the log: filtered pages, streamed exports, chain verification. Workspace routes are
 * for admins and owners (the log shows every member's actions); account events belong to
 * their user. Exports and verification read in keyset batches, each its own statement, so a
 * million events take constant memory and never hold a connection (PGlite has only one).
 */
@Injectable()
export class AuditLogService {
  private readonly logger = new Logger(AuditLogService.name);

  constructor(
    private readonly tx: TransactionHost,
    private readonly uow: WorkspaceUnitOfWork,
    private readonly clock: Clock,
  ) {}

  list(
    actor: Actor,
    workspaceId: string,
    query: ListAuditEventsQueryDto,
  ): Promise<Page<AuditEventResponseDto>> {
    return this.uow.read(actor, { workspaceId }, 'admin', async (s) => {
      const page = await eventsPage(s.em, { workspaceId: s.workspaceId }, filtersOf(query), query);
      return { data: page.data.map(toAuditEventResponse), nextCursor: page.nextCursor };
    });
  }

  /** The caller's own account-level events (sign-ins, sessions, API tokens). */
  async listMine(
    actor: Actor,
    query: ListAuditEventsQueryDto,
  ): Promise<Page<AuditEventResponseDto>> {
    const chainKey = accountChainKey(principalUserId(actor));
    const page = await eventsPage(this.tx.manager, { chainKey }, filtersOf(query), query);
    return { data: page.data.map(toAuditEventResponse), nextCursor: page.nextCursor };
  }

  /**
   * A streamed export, oldest first, of the events up to the chain's tip when it began (later
   * events are for the next export). Occurred-at order is chain order, so a time range is a
   * contiguous stretch of the chain, verifiable from its first `prevHash`. The first batch is
   * read before answering, so that a failure there is still a problem response.
   */
  async export(
    actor: Actor,
    workspaceId: string,
    query: ExportAuditEventsQueryDto,
  ): Promise<StreamableFile> {
    // Tenancy only: the batches run after this returns, each its own statement on the pool.
    await this.uow.read(actor, { workspaceId }, 'admin', async () => undefined);
    const format = query.format ?? 'ndjson';
    const { from, to } = timeRange(query);
    const tip = await chainTip(this.tx.manager, workspaceChainKey(workspaceId));
    const range = { from, to, tipSeq: tip?.lastSeq ?? '0' };
    const read = (after: ExportPosition | undefined) =>
      exportBatch(this.tx.manager, workspaceId, range, after, AUDIT_STREAM_BATCH_SIZE);
    const first = await read(undefined);
    const render = format === 'csv' ? csvRow : ndjsonLine;
    const logger = this.logger;

    async function* chunks(): AsyncGenerator<string> {
      if (format === 'csv') yield csvHeader();
      let batch = first;
      let exported = 0;
      while (batch.length > 0) {
        yield batch.map((e) => render(toAuditEventResponse(e))).join('');
        exported += batch.length;
        if (batch.length < AUDIT_STREAM_BATCH_SIZE) break;
        const last = batch[batch.length - 1];
        batch = await read({ occurredAt: last.occurredAt, seq: String(last.seq) });
      }
      logger.log({ workspaceId, format, exported }, 'audit export finished');
    }

    const stamp = this.clock.now().toISOString().replace(/[:.]/g, '-');
    return new StreamableFile(Readable.from(chunks(), { objectMode: false }), {
      type: CONTENT_TYPES[format],
      disposition: `attachment; filename="audit-${workspaceId}-${stamp}.${format}"`,
    });
  }

  verify(actor: Actor, workspaceId: string): Promise<ChainVerification> {
    return this.uow.read(actor, { workspaceId }, 'admin', (s) =>
      this.verifyChain(workspaceChainKey(s.workspaceId)),
    );
  }

  /** Recomputes one chain from seq 1 up to its committed tip, batch by batch. */
  async verifyChain(chainKey: string): Promise<ChainVerification> {
    const tip = await chainTip(this.tx.manager, chainKey);
    const verifier = new ChainVerifier(tip);
    while (tip && !verifier.done) {
      const batch: StoredEvent[] = await chainBatch(
        this.tx.manager,
        chainKey,
        verifier.after,
        tip.lastSeq,
        AUDIT_STREAM_BATCH_SIZE,
      );
      if (batch.length === 0) break;
      verifier.push(batch);
    }
    const result = verifier.result();
    if (!result.ok) this.logger.warn({ chainKey, ...result }, 'audit chain broken');
    return result;
  }
}

function timeRange(query: { from?: string; to?: string }): { from?: Date; to?: Date } {
  const from = query.from ? new Date(query.from) : undefined;
  const to = query.to ? new Date(query.to) : undefined;
  if (from && to && from.getTime() > to.getTime()) {
    throw CommonProblems.validationFailed('from must not be after to', {
      errors: [{ field: 'from', message: 'must not be after to' }],
    });
  }
  return { from, to };
}

function filtersOf(query: ListAuditEventsQueryDto): AuditFilters {
  return {
    actorId: query.actorId,
    action: query.action,
    entityType: query.entityType,
    entityId: query.entityId,
    ...timeRange(query),
  };
}
