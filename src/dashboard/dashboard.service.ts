import { Inject, Injectable, Optional } from '@nestjs/common';
import { ActivityReader, type ActivityEvent } from '../audit/activity-reader.js';
import { outboxProgressColumns } from '../audit/outbox.service.js';
import { CardDirectory } from '../board/card-directory.service.js';
import type { Page } from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import { dashboardConfig, type DashboardConfig } from '../config/app.config.js';
import type { Actor } from '../kernel/actor.js';
import { MetricsService } from '../kernel/metrics.js';
import { defineTenantTable, defineWorkspaceView } from '../kernel/tenancy.js';
import { WorkspaceUnitOfWork, type WorkspaceScope } from '../kernel/unit-of-work.js';
import { WorkspaceDirectory } from '../kernel/workspace-directory.js';
import { RepresentationCache, type CacheOutcome } from './dashboard.cache.js';
import { DASHBOARD_CONSUMER } from './dashboard.consumer.js';
import { DashboardProblems } from './dashboard.errors.js';
import {
  CONNECTOR_STATS,
  REMINDER_STATS,
  type ConnectorStats,
  type ReminderStats,
} from './dashboard.panels.js';
import * as q from './dashboard.queries.js';
import type {
  ActivityEntryDto,
  ActivityQueryDto,
  AgeDto,
  BoardMetricsQueryDto,
  BoardMetricsResponseDto,
  DashboardBoardDto,
  DashboardResponseDto,
  DashboardTotalsDto,
  DayCountDto,
  PercentilesDto,
} from './dto/dashboard.dto.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const THROUGHPUT_DAYS = 30;
const PANEL_DAYS = 7;
const OLDEST_SHOWN = 5;
const ACTIVITY_SHOWN = 20;
const MAX_RANGE_DAYS = 366;
/** The dashboard's ETag also moves once a minute: "overdue" and "due within" move with time. */
const ETAG_TIME_BUCKET_MS = 60_000;
/** The zone a range given without `tz` is checked in (days are then cut in the workspace's). */
const DEFAULT_TIME_ZONE = 'UTC';

/** The chain head and how far the projection applied it (the validator's parts, as text). */
interface Progress {
  head: string;
  applied: string;
}

/**
 * The dashboard's copy of boards: the target of board-level reads (404 for other tenants). Its
 * tenancy read also reads the validator's parts (`validatorOf`): one round trip for both.
 */
const DashboardBoards = defineTenantTable<Progress>({
  table: 'dashboard_boards',
  notFound: 'Board not found.',
  select: outboxProgressColumns(DASHBOARD_CONSUMER, 't.workspace_id'),
});

/** The workspace as the dashboard's target: tenancy and the validator's parts in one read. */
const DashboardWorkspaces = defineWorkspaceView<Progress>(
  outboxProgressColumns(DASHBOARD_CONSUMER, 't.id'),
);

const CARD_NOT_FOUND = 'Card not found.';
const NOTE_CREATED = 'note.created';
/** Edits: a change of a note's content, or a restored revision. */
const NOTE_EDITED = ['note.updated', 'note.revision_restored'];

/**
 * The workspace dashboard, board flow metrics and the activity feed. Reads only the
 * dashboard's own tables (kept by `DashboardConsumer`), the log through `ActivityReader`, and
 * other modules' panels through their exported providers. Every read is confined to one
 * workspace by the unit of work; viewers may read all of it.
 */
@Injectable()
export class DashboardService {
  /**
   * Answers by validator, per instance (dashboard.cache.ts). Neither body depends on who asks
   * (viewers see all of it), so the key names no actor; tenancy is resolved on every request
   * before the cache is asked.
   */
  private readonly dashboards: RepresentationCache<DashboardResponseDto>;
  private readonly boardMetricsCache: RepresentationCache<BoardMetricsResponseDto>;

  constructor(
    private readonly uow: WorkspaceUnitOfWork,
    private readonly activity: ActivityReader,
    private readonly directory: CardDirectory,
    private readonly workspaces: WorkspaceDirectory,
    @Inject(dashboardConfig.KEY) config: DashboardConfig,
    metrics: MetricsService,
    @Optional() @Inject(REMINDER_STATS) private readonly reminders?: ReminderStats,
    @Optional() @Inject(CONNECTOR_STATS) private readonly connectors?: ConnectorStats,
  ) {
    const lookups = metrics.counter(
      'workdeck_dashboard_cache_lookups_total',
      'Dashboard and board-metrics cache lookups by representation and outcome (hit, miss, joined, stale)',
      ['representation', 'outcome'],
    );
    const observe = (representation: string) => (outcome: CacheOutcome) =>
      lookups.inc({ representation, outcome });
    this.dashboards = new RepresentationCache(config.cacheEntries, observe('dashboard'));
    this.boardMetricsCache = new RepresentationCache(config.cacheEntries, observe('board_metrics'));
  }

  /**
   * `<chain head>.<applied position>.<minute>`. The minute also bounds how long a figure the
   * reconciliation repaired (a change that moves neither the chain nor the position) can stay
   * hidden behind an unchanged validator, on every instance.
   */
  private validatorOf(s: WorkspaceScope<Progress>): string {
    const minute = Math.floor(s.now().getTime() / ETAG_TIME_BUCKET_MS);
    return `${s.row.head}.${s.row.applied}.${minute}`;
  }

  /**
   * The workspace dashboard and its ETag (`W/"d<validator>"`: unchanged means the same answer);
   * without the body when `unchanged(etag)` (a revalidation: tenancy and the validator in one
   * read, nothing computed).
   */
  dashboard(
    actor: Actor,
    workspaceId: string,
  ): Promise<{ etag: string; body: DashboardResponseDto }>;
  dashboard(
    actor: Actor,
    workspaceId: string,
    unchanged: (etag: string) => boolean,
  ): Promise<{ etag: string; body?: DashboardResponseDto }>;
  async dashboard(
    actor: Actor,
    workspaceId: string,
    unchanged: (etag: string) => boolean = () => false,
  ): Promise<{ etag: string; body?: DashboardResponseDto }> {
    return this.uow.read(actor, DashboardWorkspaces.ref(workspaceId), 'viewer', async (s) => {
      return answer(this.dashboards, 'd', s.workspaceId, this.validatorOf(s), unchanged, () =>
        this.computeDashboard(s),
      );
    });
  }

  /** The dashboard as of now (read after the validator: never older than the key it is kept by). */
  private async computeDashboard(s: WorkspaceScope<unknown>): Promise<DashboardResponseDto> {
    const now = s.now();
    const ws = s.workspaceId;
    const since = startOfUtcDay(new Date(now.getTime() - (THROUGHPUT_DAYS - 1) * DAY_MS));
    const [columns, due, throughput, times, ages] = [
      await q.columnCounts(s.em, ws),
      await q.dueCounts(s.em, ws, now),
      await q.throughputByUtcDay(s.em, ws, isoDay(since)),
      await q.workspaceFlowTimes(s.em, ws, isoDay(since), since, now),
      await q.ages(s.em, ws, now),
    ];
    const boardIds = [...new Set(columns.map((c) => c.boardId))];
    const oldest = await q.oldest(s.em, ws, boardIds, OLDEST_SHOWN);
    const titles = await this.directory.cardsInWorkspace(
      ws,
      oldest.map((o) => o.cardId),
    );
    const days = dayList(isoDay(since), isoDay(now));
    const throughputOf = groupBy(throughput, (r) => r.boardId);
    const totalsFor = (boardId: string | null): DashboardTotalsDto => {
      const cols = columns.filter((c) => boardId === null || c.boardId === boardId);
      const d = due.find((r) => r.boardId === boardId);
      const t = times.find((r) => r.boardId === boardId);
      const a = ages.find((r) => r.boardId === boardId);
      return {
        status: statusOf(cols),
        overdue: d?.overdue ?? 0,
        dueWithin24h: d?.dueWithin24h ?? 0,
        dueWithin7d: d?.dueWithin7d ?? 0,
        throughput: perDay(days, throughputOf.get(boardId) ?? []),
        cycleTime: percentiles(t?.cycle ?? null, t?.cycleSamples ?? 0),
        age: ageOf(
          a?.ages ?? null,
          oldest.filter((o) => o.boardId === boardId),
          now,
          titles,
        ),
      };
    };
    const boards: DashboardBoardDto[] = boardIds.map((boardId) => {
      const cols = columns.filter((c) => c.boardId === boardId);
      return {
        boardId,
        name: cols[0].boardName,
        columns: cols
          .filter((c) => c.columnId !== null)
          .map((c) => ({
            columnId: c.columnId!,
            name: c.name!,
            count: c.openCards ?? 0,
            wipLimit: c.wipLimit,
          })),
        ...totalsFor(boardId),
      };
    });
    const weekAgo = new Date(now.getTime() - PANEL_DAYS * DAY_MS);
    const noteCounts = await this.activity.countActions(
      ws,
      [NOTE_CREATED, ...NOTE_EDITED],
      weekAgo,
    );
    const latest = await this.activity.page(ws, {}, undefined, ACTIVITY_SHOWN);
    return {
      boards,
      totals: totalsFor(null),
      reminders: (await this.reminders?.dashboardPanel(ws, now)) ?? {
        upcoming24h: 0,
        fired7d: 0,
        late7d: 0,
      },
      notes: {
        created7d: noteCounts.get(NOTE_CREATED) ?? 0,
        edited7d: NOTE_EDITED.reduce((n, action) => n + (noteCounts.get(action) ?? 0), 0),
      },
      connectors: (await this.connectors?.dashboardPanel(ws, now)) ?? [],
      activity: latest.data.map(toActivityEntry),
    };
  }

  /** A board's flow metrics (see `boardMetricsAnswer`). */
  async boardMetrics(
    actor: Actor,
    boardId: string,
    query: BoardMetricsQueryDto,
  ): Promise<BoardMetricsResponseDto> {
    return (await this.boardMetricsAnswer(actor, boardId, query)).body!;
  }

  /**
   * A board's flow metrics and their ETag; without the body when `unchanged(etag)` (a
   * revalidation: tenancy and the validator, nothing computed).
   */
  async boardMetricsAnswer(
    actor: Actor,
    boardId: string,
    query: BoardMetricsQueryDto,
    unchanged: (etag: string) => boolean = () => false,
  ): Promise<{ etag: string; body?: BoardMetricsResponseDto }> {
    // The range (and a zone, when given) is checked before tenancy, as before.
    const range = validRange(query.from, query.to, query.tz ?? DEFAULT_TIME_ZONE);
    return this.uow.read(actor, DashboardBoards.ref(boardId), 'viewer', async (s) => {
      // The body reads no clock, yet the validator is the dashboard's whole one, minute
      // included: see validatorOf. For one URL (board, range, zone) it is the ETag: a change of
      // the workspace's zone, which a request without `tz` follows, moves the chain too.
      const validator = this.validatorOf(s);
      if (unchanged(etagOf('m', validator))) return { etag: etagOf('m', validator) };
      // Days are cut in the requested zone, else in the workspace's (UTC until one is set).
      const tz = query.tz ?? (await this.workspaces.timeZone(s.workspaceId));
      const family = `${boardId} ${range.from} ${range.to} ${tz}`;
      return answer(this.boardMetricsCache, 'm', family, validator, unchanged, () =>
        this.computeBoardMetrics(s, boardId, range, tz),
      );
    });
  }

  private async computeBoardMetrics(
    s: WorkspaceScope<unknown>,
    boardId: string,
    range: { from: string; to: string },
    tz: string,
  ): Promise<BoardMetricsResponseDto> {
    const ws = s.workspaceId;
    const days = dayList(range.from, range.to);
    const flow = await q.boardFlow(s.em, ws, boardId, range.from, days, tz);
    const times = await q.boardFlowTimes(
      s.em,
      ws,
      boardId,
      flow.cuts[0],
      flow.cuts[flow.cuts.length - 1],
    );
    const { throughput, cfd: cfdRows } = flow;
    const columnIds = flow.columns.map((c) => c.columnId);
    for (const r of cfdRows) if (!columnIds.includes(r.columnId)) columnIds.push(r.columnId);
    const counts = new Map(cfdRows.map((r) => [`${r.day}|${r.columnId}`, r.count]));
    return {
      from: range.from,
      to: range.to,
      tz,
      throughput: perDay(
        days,
        throughput.filter((r) => r.boardId === boardId),
      ),
      cycleTime: percentiles(times.cycle, times.cycleSamples),
      leadTime: percentiles(times.lead, times.leadSamples),
      cfd: days.map((day) => ({
        day,
        columns: columnIds.map((columnId) => ({
          columnId,
          count: counts.get(`${day}|${columnId}`) ?? 0,
        })),
      })),
    };
  }

  workspaceActivity(
    actor: Actor,
    workspaceId: string,
    query: ActivityQueryDto,
  ): Promise<Page<ActivityEntryDto>> {
    return this.uow.read(actor, { workspaceId }, 'viewer', async (s) => {
      let entityIds: string[] | undefined;
      if (query.boardId) entityIds = await q.boardEntityIds(s.em, s.workspaceId, query.boardId);
      if (query.entityId) {
        entityIds = entityIds ? entityIds.filter((id) => id === query.entityId) : [query.entityId];
      }
      return this.feed(s.workspaceId, entityIds, query);
    });
  }

  async cardActivity(
    actor: Actor,
    cardId: string,
    query: ActivityQueryDto,
  ): Promise<Page<ActivityEntryDto>> {
    const card = await this.directory.findCard(cardId);
    if (!card) throw CommonProblems.notFound(CARD_NOT_FOUND);
    return this.uow
      .read(actor, { workspaceId: card.workspaceId }, 'viewer', (s) =>
        this.feed(s.workspaceId, [cardId], query),
      )
      .catch((err: unknown) => {
        // Not a member of the card's workspace: the card does not exist for this caller.
        if ((err as { status?: number }).status === 404)
          throw CommonProblems.notFound(CARD_NOT_FOUND);
        throw err;
      });
  }

  private async feed(
    workspaceId: string,
    entityIds: string[] | undefined,
    query: ActivityQueryDto,
  ): Promise<Page<ActivityEntryDto>> {
    const page = await this.activity.page(workspaceId, { entityIds }, query.cursor, query.limit);
    return { data: page.data.map(toActivityEntry), nextCursor: page.nextCursor };
  }
}

/** A representation's weak ETag: its kind (`d` dashboard, `m` board metrics) and validator. */
const etagOf = (kind: string, validator: string): string => `W/"${kind}${validator}"`;

/**
 * A kept representation and its ETag; without the body when `unchanged(etag)` (nothing
 * computed). While another request computes this validator's answer, the previous one of the
 * same family is handed out with its own ETag (see `RepresentationCache.latest`), or 304 when
 * that is the client's.
 */
async function answer<T>(
  cache: RepresentationCache<T>,
  kind: string,
  family: string,
  validator: string,
  unchanged: (etag: string) => boolean,
  compute: () => Promise<T>,
): Promise<{ etag: string; body?: T }> {
  if (unchanged(etagOf(kind, validator))) return { etag: etagOf(kind, validator) };
  const kept = await cache.latest(family, validator, compute);
  const etag = etagOf(kind, kept.validator);
  if (kept.validator !== validator && unchanged(etag)) return { etag };
  return { etag, body: kept.value };
}

export const toActivityEntry = (e: ActivityEvent): ActivityEntryDto => ({
  id: e.id,
  occurredAt: new Date(e.occurredAt).toISOString(),
  actor: { type: e.actorType, id: e.actorId },
  action: e.action,
  entityType: e.entityType,
  entityId: e.entityId,
  summary: e.fields.length ? `${e.action} (${e.fields.join(', ')})` : e.action,
});

const startOfUtcDay = (d: Date): Date => new Date(Math.floor(d.getTime() / DAY_MS) * DAY_MS);
const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

/** Every calendar day from `from` to `to` inclusive (YYYY-MM-DD). */
export function dayList(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY_MS) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

function perDay(days: string[], rows: q.DayCountRow[]): DayCountDto[] {
  const count = new Map(rows.map((r) => [r.day, r.count]));
  return days.map((day) => ({ day, count: count.get(day) ?? 0 }));
}

function groupBy<T, K>(rows: readonly T[], key: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return groups;
}

const seconds = (v: number | undefined | null): number | null =>
  v === undefined || v === null ? null : Math.round(v);

function percentiles(values: number[] | null, samples: number): PercentilesDto {
  return {
    p50: samples ? seconds(values?.[0]) : null,
    p85: samples ? seconds(values?.[1]) : null,
    p95: samples ? seconds(values?.[2]) : null,
    samples,
  };
}

function statusOf(cols: q.ColumnCountRow[]) {
  let active = 0;
  let done = 0;
  let archived = 0;
  for (const c of cols) {
    if (c.isDone) done += c.openCards ?? 0;
    else active += c.openCards ?? 0;
    archived += c.archivedCards ?? 0;
  }
  return { active, done, archived };
}

function ageOf(
  values: number[] | null,
  oldest: q.OldestRow[],
  now: Date,
  titles: Map<string, { title: string }>,
): AgeDto {
  return {
    p50: seconds(values?.[0]),
    p85: seconds(values?.[1]),
    oldest: oldest.map((o) => ({
      cardId: o.cardId,
      title: titles.get(o.cardId)?.title ?? null,
      columnId: o.columnId,
      ageSeconds: Math.round((now.getTime() - new Date(o.startedAt).getTime()) / 1000),
    })),
  };
}

/** `from`..`to` as real calendar days, in order, at most 366 of them, in a known zone. */
export function validRange(from: string, to: string, tz: string): { from: string; to: string } {
  const errors: Array<{ field: string; message: string }> = [];
  const real = (s: string) => {
    const t = Date.parse(`${s}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
  };
  if (!real(from)) errors.push({ field: 'from', message: 'from is not a calendar date' });
  if (!real(to)) errors.push({ field: 'to', message: 'to is not a calendar date' });
  if (!isTimeZone(tz)) errors.push({ field: 'tz', message: `unknown IANA time zone: ${tz}` });
  if (errors.length === 0) {
    const days = (Date.parse(to) - Date.parse(from)) / DAY_MS + 1;
    if (days < 1) errors.push({ field: 'to', message: 'to must not be before from' });
    else if (days > MAX_RANGE_DAYS) {
      errors.push({
        field: 'to',
        message: `the range spans ${days} days; at most ${MAX_RANGE_DAYS}`,
      });
    }
  }
  if (errors.length)
    throw DashboardProblems.invalidRange(errors.map((e) => e.message).join('; '), { errors });
  return { from, to };
}

/** Zone names found valid: building a formatter per request stood out in profiles of the route. */
const knownZones = new Set<string>();
const KNOWN_ZONES_MAX = 1000;

/** An IANA zone name both ICU and PostgreSQL know (offsets like `+02:00` are refused). */
function isTimeZone(tz: string): boolean {
  if (knownZones.has(tz)) return true;
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    return false;
  }
  if (knownZones.size < KNOWN_ZONES_MAX) knownZones.add(tz);
  return true;
}
