import { Injectable } from '@nestjs/common';
import { diffChanges } from '../audit/changes.js';
import type { Page } from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch } from '../database/versioned-update.js';
import { CardDirectory } from '../board/card-directory.service.js';
import { NoteDirectory } from '../notes/note-directory.service.js';
import {
  actorUserId,
  defineKeyset,
  defineTenantTable,
  WorkspaceDirectory,
  WorkspaceUnitOfWork,
  type Actor,
  type EventType,
  type WorkspaceScope,
} from '../kernel/index.js';
import type {
  CreateReminderDto,
  ListRemindersQueryDto,
  OccurrenceResponseDto,
  ReminderResponseDto,
  UpcomingReminderDto,
  UpdateReminderDto,
} from './dto/reminder.dto.js';
import {
  nextOccurrences,
  PREVIEW_COUNT,
  validateSchedule,
  type ScheduleSpec,
} from './recurrence.js';
import { bucketOf, scheduleOf } from './reminder-schedule.js';
import type { ReminderState, ScheduleKind, TargetType } from './entities/reminder.entity.js';
import {
  invalidField,
  REMINDER_NOT_FOUND,
  ReminderProblems,
  scheduleProblem,
} from './reminders.errors.js';
import { compileSchedule } from './recurrence.js';
import { ReminderEvents } from './reminders.events.js';

/** The columns of a reminder as the service reads them (alias `t`, the kernel's). */
const REMINDER_COLUMNS = `t.id, t.workspace_id AS "workspaceId", t.title, t.note, t.kind,
  t.remind_at AS "remindAt", t.rrule, t.dtstart, t.cron, t.time_zone AS "timeZone",
  t.target_type AS "targetType", t.target_id AS "targetId", t.catch_up AS "catchUp", t.state,
  t.next_fire_at AS "nextFireAt", t.rule_next_at AS "ruleNextAt", t.snooze_until AS "snoozeUntil",
  t.snoozed_for AS "snoozedFor", t.last_fired_for AS "lastFiredFor", t.version,
  t.created_at AS "createdAt", t.updated_at AS "updatedAt",
  ARRAY(SELECT rr.user_id FROM reminder_recipients rr
         WHERE rr.workspace_id = t.workspace_id AND rr.reminder_id = t.id ORDER BY rr.user_id)
    AS "recipientIds"`;

export interface ReminderRow {
  id: string;
  workspaceId: string;
  title: string;
  note: string | null;
  kind: ScheduleKind;
  remindAt: Date | null;
  rrule: string | null;
  dtstart: string | null;
  cron: string | null;
  timeZone: string;
  targetType: TargetType | null;
  targetId: string | null;
  catchUp: string;
  state: ReminderState;
  nextFireAt: Date | null;
  ruleNextAt: Date | null;
  snoozeUntil: Date | null;
  snoozedFor: Date | null;
  lastFiredFor: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  recipientIds: string[];
}

/** The fields whose changes the audit log records. */
const AUDIT_FIELDS = [
  'title',
  'note',
  'remindAt',
  'rrule',
  'dtstart',
  'cron',
  'timeZone',
  'targetId',
  'catchUp',
  'state',
  'recipientIds',
  'snoozeUntil',
] as const;

const iso = (d: Date | string | null): string | null =>
  d === null ? null : new Date(d).toISOString();
/** The list's sort value of a reminder with no next occurrence (done, cancelled): last. */
const INFINITY = 'infinity';

/** Reminders are tenant-owned: a reference resolves to its row and the caller's role at once. */
export const Reminders = defineTenantTable<ReminderRow>({
  table: 'reminders',
  notFound: REMINDER_NOT_FOUND,
  select: REMINDER_COLUMNS,
});

/** `GET /workspaces/:id/reminders`: soonest next occurrence first, none last. */
const ReminderList = defineKeyset<ReminderRow>('reminders.list', [
  {
    column: `coalesce(t.next_fire_at, 'infinity'::timestamptz)`,
    direction: 'ASC',
    type: 'timestamptz',
    value: (r) => (r.nextFireAt ? iso(r.nextFireAt) : INFINITY),
  },
  { column: 't.id', direction: 'ASC', type: 'uuid', value: (r) => r.id },
]);

/** `GET /reminders/:id/occurrences`: newest first. */
const OccurrenceList = defineKeyset<OccurrenceRow>('reminders.occurrences', [
  {
    column: 'o.scheduled_for',
    direction: 'DESC',
    type: 'timestamptz',
    value: (o) => iso(o.scheduledFor),
  },
  { column: 'o.id', direction: 'DESC', type: 'uuid', value: (o) => o.id },
]);

interface UpcomingRow {
  id: string;
  workspaceId: string;
  title: string;
  nextFireAt: Date;
}

/** `GET /me/reminders/upcoming`: soonest first, across the caller's workspaces. */
const UpcomingList = defineKeyset<UpcomingRow>('reminders.upcoming', [
  {
    column: 't.next_fire_at',
    direction: 'ASC',
    type: 'timestamptz',
    value: (r) => iso(r.nextFireAt),
  },
  { column: 't.id', direction: 'ASC', type: 'uuid', value: (r) => r.id },
]);

type Scope = WorkspaceScope<ReminderRow>;

@Injectable()
export class RemindersService {
  constructor(
    private readonly uow: WorkspaceUnitOfWork,
    private readonly directory: WorkspaceDirectory,
    private readonly cards: CardDirectory,
    private readonly notes: NoteDirectory,
    private readonly tx: TransactionHost,
  ) {}

  async create(
    actor: Actor,
    workspaceId: string,
    dto: CreateReminderDto,
  ): Promise<ReminderResponseDto> {
    return this.uow.write(actor, { workspaceId }, 'member', async (s) => {
      const timeZone = dto.timeZone ?? (await this.directory.timeZone(s.workspaceId));
      const spec = specFrom(dto, timeZone, null);
      const first = this.firstOccurrence(spec, s.now());
      if (dto.cardId && dto.noteId) throw invalidField('cardId', 'and noteId cannot both be set');
      const target = await this.target(s.workspaceId, dto.cardId, dto.noteId);
      const recipients = await this.recipients(
        s.workspaceId,
        dto.recipientIds ?? (s.userId ? [s.userId] : []),
      );
      const id = newId();
      await s.query(
        `INSERT INTO reminders (id, workspace_id, bucket, title, note, kind, remind_at, rrule, dtstart, cron,
                                time_zone, target_type, target_id, catch_up, state, next_fire_at, rule_next_at,
                                created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'active', $15, $15, $16)`,
        [
          id,
          s.workspaceId,
          bucketOf(s.workspaceId),
          dto.title,
          dto.note ?? null,
          spec.kind,
          spec.kind === 'once' ? spec.remindAt : null,
          spec.kind === 'rrule' ? spec.rrule : null,
          spec.kind === 'rrule' ? spec.dtstart : null,
          spec.kind === 'cron' ? spec.cron : null,
          timeZone,
          target?.type ?? null,
          target?.id ?? null,
          dto.catchUp ?? 'fire_once',
          first,
          s.userId,
        ],
      );
      await this.setRecipients(s, id, recipients);
      const row = await this.row(s, id, false);
      s.record(ReminderEvents.created, id, diffChanges(null, auditView(row), [...AUDIT_FIELDS]));
      return toResponse(row);
    });
  }

  async get(actor: Actor, reminderId: string): Promise<ReminderResponseDto> {
    return this.uow.read(actor, Reminders.ref(reminderId), 'viewer', async (s) =>
      toResponse(s.row),
    );
  }

  async list(
    actor: Actor,
    workspaceId: string,
    query: ListRemindersQueryDto,
  ): Promise<Page<ReminderResponseDto>> {
    return this.uow.read(actor, { workspaceId }, 'viewer', async (s) => {
      const params: unknown[] = [s.workspaceId];
      const where = ['t.workspace_id = $1'];
      const add = (sql: (p: string) => string, value: unknown): void => {
        params.push(value);
        where.push(sql(`$${params.length}`));
      };
      if (query.targetId) add((p) => `t.target_id = ${p}`, query.targetId);
      if (query.state) add((p) => `t.state = ${p}`, query.state);
      if (query.nextBefore) add((p) => `t.next_fire_at < ${p}`, new Date(query.nextBefore));
      if (query.nextAfter) add((p) => `t.next_fire_at >= ${p}`, new Date(query.nextAfter));
      where.push(ReminderList.after(query.cursor, params));
      const limit = ReminderList.limit(query.limit);
      const rows = await s.query<ReminderRow>(
        `SELECT ${REMINDER_COLUMNS} FROM reminders t WHERE ${where.join(' AND ')}
          ORDER BY ${ReminderList.orderBy} LIMIT ${limit + 1}`,
        params,
      );
      return ReminderList.page(rows, limit, toResponse);
    });
  }

  async update(
    actor: Actor,
    reminderId: string,
    dto: UpdateReminderDto,
    ifMatch?: number,
  ): Promise<ReminderResponseDto> {
    return this.uow.write(actor, Reminders.ref(reminderId), 'member', async (s) => {
      const before = await this.row(s, reminderId, true);
      if (before.state === 'cancelled') throw ReminderProblems.reminderNotActive();
      const scheduleSent = [dto.remindAt, dto.rrule, dto.dtstart, dto.cron, dto.timeZone].some(
        (v) => v !== undefined,
      );
      const values: Record<string, unknown> = {};
      if (dto.title !== undefined) values.title = dto.title;
      if (dto.note !== undefined) values.note = dto.note;
      if (dto.catchUp !== undefined) values.catch_up = dto.catchUp;
      if (scheduleSent) {
        const spec = specFrom(dto, dto.timeZone ?? before.timeZone, before);
        // The next occurrence is recomputed from the new schedule in this same transaction.
        const first = this.firstOccurrence(spec, s.now());
        Object.assign(values, {
          kind: spec.kind,
          remind_at: spec.kind === 'once' ? spec.remindAt : null,
          rrule: spec.kind === 'rrule' ? spec.rrule : null,
          dtstart: spec.kind === 'rrule' ? spec.dtstart : null,
          cron: spec.kind === 'cron' ? spec.cron : null,
          time_zone: spec.kind === 'once' ? (dto.timeZone ?? before.timeZone) : spec.timeZone,
          rule_next_at: first,
          state: 'active',
        });
      }
      if (dto.recipientIds !== undefined) {
        const recipients = await this.recipients(s.workspaceId, dto.recipientIds);
        await s.query(
          `DELETE FROM reminder_recipients WHERE workspace_id = $1 AND reminder_id = $2`,
          [s.workspaceId, reminderId],
        );
        await this.setRecipients(s, reminderId, recipients);
      }
      if (Object.keys(values).length === 0 && dto.recipientIds === undefined) {
        checkIfMatch(before.version, ifMatch);
        return toResponse(before);
      }
      await this.write(s, before, ifMatch, values);
      return this.recordChange(s, before, ReminderEvents.updated);
    });
  }

  /** DELETE = cancel: the reminder stays (with its history) but never fires again. */
  async cancel(actor: Actor, reminderId: string, ifMatch?: number): Promise<void> {
    await this.uow.write(actor, Reminders.ref(reminderId), 'member', async (s) => {
      const before = await this.row(s, reminderId, true);
      if (before.state === 'cancelled') {
        checkIfMatch(before.version, ifMatch);
        return;
      }
      await this.write(s, before, ifMatch, {
        state: 'cancelled',
        rule_next_at: null,
        snooze_until: null,
        snoozed_for: null,
      });
      await this.recordChange(s, before, ReminderEvents.cancelled);
    });
  }

  async snooze(
    actor: Actor,
    reminderId: string,
    until: string,
    ifMatch?: number,
  ): Promise<ReminderResponseDto> {
    return this.uow.write(actor, Reminders.ref(reminderId), 'member', async (s) => {
      const before = await this.row(s, reminderId, true);
      if (before.state === 'cancelled') throw ReminderProblems.reminderNotActive();
      const at = new Date(until);
      if (at <= s.now()) throw invalidField('until', 'must be in the future');
      const values: Record<string, unknown> = { snooze_until: at };
      const lastFired = before.lastFiredFor
        ? await this.occurrence(s, before, before.lastFiredFor)
        : null;
      if (before.snoozedFor) {
        // A snooze already pending: move it.
        await this.setSnoozed(s, before, before.snoozedFor, at);
      } else if (lastFired && lastFired.acknowledgedAt === null) {
        // The last fired, unacknowledged occurrence fires again at `until`.
        values.snoozed_for = before.lastFiredFor;
        await this.setSnoozed(s, before, before.lastFiredFor!, at);
      } else if (before.ruleNextAt) {
        // The pending occurrence moves to `until`; the rule's later occurrences stay.
        const schedule = compileSchedule(scheduleOf(before));
        await s.query(
          `INSERT INTO reminder_occurrences (id, workspace_id, reminder_id, scheduled_for, snoozed_until)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (workspace_id, reminder_id, scheduled_for) DO UPDATE SET snoozed_until = EXCLUDED.snoozed_until`,
          [newId(), s.workspaceId, before.id, before.ruleNextAt, at],
        );
        values.snoozed_for = before.ruleNextAt;
        values.rule_next_at = schedule.next(before.ruleNextAt);
      } else {
        throw ReminderProblems.nothingToSnooze();
      }
      await this.write(s, before, ifMatch, values);
      return this.recordChange(s, before, ReminderEvents.snoozed);
    });
  }

  async acknowledge(
    actor: Actor,
    reminderId: string,
    ifMatch?: number,
  ): Promise<ReminderResponseDto> {
    return this.uow.write(actor, Reminders.ref(reminderId), 'member', async (s) => {
      const before = await this.row(s, reminderId, true);
      if (before.state === 'cancelled') throw ReminderProblems.reminderNotActive();
      const lastFired = before.lastFiredFor
        ? await this.occurrence(s, before, before.lastFiredFor)
        : null;
      if (!lastFired || lastFired.acknowledgedAt !== null || lastFired.firedAt === null) {
        throw ReminderProblems.nothingToAcknowledge();
      }
      await s.query(
        `UPDATE reminder_occurrences SET acknowledged_at = now()
          WHERE workspace_id = $1 AND reminder_id = $2 AND scheduled_for = $3`,
        [s.workspaceId, before.id, before.lastFiredFor],
      );
      const values: Record<string, unknown> = {};
      // Acknowledging also drops a pending re-fire of that same occurrence.
      if (before.snoozedFor && before.snoozedFor.getTime() === before.lastFiredFor!.getTime()) {
        values.snooze_until = null;
        values.snoozed_for = null;
      }
      const snoozeLeft = 'snooze_until' in values ? null : before.snoozeUntil;
      if (before.kind === 'once' && before.ruleNextAt === null && snoozeLeft === null)
        values.state = 'done';
      await this.write(s, before, ifMatch, values);
      return this.recordChange(s, before, ReminderEvents.acknowledged);
    });
  }

  async occurrences(
    actor: Actor,
    reminderId: string,
    page: { limit?: number; cursor?: string },
  ): Promise<Page<OccurrenceResponseDto>> {
    return this.uow.read(actor, Reminders.ref(reminderId), 'viewer', (s) =>
      OccurrenceList.fetch(
        s,
        {
          select: `SELECT o.id, o.scheduled_for AS "scheduledFor", o.fired_at AS "firedAt", o.late,
                          o.skipped, o.snoozed_until AS "snoozedUntil",
                          o.acknowledged_at AS "acknowledgedAt"
                     FROM reminder_occurrences o`,
          where: 'o.workspace_id = $1 AND o.reminder_id = $2',
          params: [s.workspaceId, s.row.id],
          cursor: page.cursor,
          limit: page.limit,
        },
        toOccurrenceResponse,
      ),
    );
  }

  /**
   * Active reminders where I am a recipient, across my workspaces, soonest first. Not one
   * workspace's route: the caller's own memberships (from the kernel's directory) bound it.
   */
  async upcoming(
    actor: Actor,
    page: { limit?: number; cursor?: string },
  ): Promise<Page<UpcomingReminderDto>> {
    const userId = actorUserId(actor);
    if (!userId) throw CommonProblems.forbidden('System actors have no reminders of their own.');
    const workspaces = await this.directory.workspacesOf(userId);
    if (workspaces.length === 0) return { data: [], nextCursor: null };
    const params: unknown[] = [workspaces.map((w) => w.workspaceId), userId];
    const after = UpcomingList.after(page.cursor, params);
    const limit = UpcomingList.limit(page.limit);
    const rows = await this.acrossWorkspaces<UpcomingRow>(
      `SELECT t.id, t.workspace_id AS "workspaceId", t.title, t.next_fire_at AS "nextFireAt"
         FROM reminders t
         JOIN reminder_recipients rr ON rr.workspace_id = t.workspace_id AND rr.reminder_id = t.id
        WHERE t.workspace_id = ANY($1::uuid[]) AND rr.user_id = $2 AND t.state = 'active'
          AND t.next_fire_at IS NOT NULL AND ${after}
        ORDER BY ${UpcomingList.orderBy} LIMIT ${limit + 1}`,
      params,
    );
    return UpcomingList.page(rows, limit, (r) => ({
      id: r.id,
      workspaceId: r.workspaceId,
      title: r.title,
      nextFireAt: iso(r.nextFireAt)!,
    }));
  }

  /** Active reminders where `userId` is a recipient (for the iCalendar feed), bounded. */
  async feedFor(userId: string, max: number): Promise<ReminderRow[]> {
    const workspaces = await this.directory.workspacesOf(userId);
    if (workspaces.length === 0) return [];
    return this.acrossWorkspaces<ReminderRow>(
      `SELECT ${REMINDER_COLUMNS} FROM reminders t
         JOIN reminder_recipients me ON me.workspace_id = t.workspace_id AND me.reminder_id = t.id
        WHERE t.workspace_id = ANY($1::uuid[]) AND me.user_id = $2 AND t.state = 'active'
        ORDER BY t.next_fire_at NULLS LAST, t.id LIMIT ${max}`,
      [workspaces.map((w) => w.workspaceId), userId],
    );
  }

  // --- internals -------------------------------------------------------------------------

  /**
   * A read over the caller's own workspaces (personal feeds), not one tenant's route: the
   * workspace ids come from the kernel's directory for that user, never from the request.
   */
  private acrossWorkspaces<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.tx.manager.query(sql, params) as Promise<T[]>;
  }

  private firstOccurrence(spec: ScheduleSpec, now: Date): Date {
    try {
      return validateSchedule(spec, now).first;
    } catch (error) {
      throw scheduleProblem(error);
    }
  }

  private async target(
    workspaceId: string,
    cardId: string | undefined,
    noteId: string | undefined,
  ): Promise<{ type: TargetType; id: string } | null> {
    if (cardId) {
      const found = await this.cards.cardsInWorkspace(workspaceId, [cardId]);
      if (!found.has(cardId)) throw invalidField('cardId', 'must be a card of this workspace');
      return { type: 'card', id: cardId };
    }
    if (noteId) {
      if (!(await this.notes.existsInWorkspace(workspaceId, noteId))) {
        throw invalidField('noteId', 'must be a note of this workspace');
      }
      return { type: 'note', id: noteId };
    }
    return null;
  }

  private async recipients(workspaceId: string, ids: string[]): Promise<string[]> {
    const members = await this.directory.membersAmong(workspaceId, ids);
    const strangers = ids.filter((id) => !members.has(id));
    if (strangers.length > 0)
      throw invalidField('recipientIds', 'must be members of this workspace');
    return ids;
  }

  private async setRecipients(
    s: Scope | WorkspaceScope,
    id: string,
    userIds: string[],
  ): Promise<void> {
    if (userIds.length === 0) return;
    await s.query(
      `INSERT INTO reminder_recipients (workspace_id, reminder_id, user_id)
       SELECT $1, $2, u FROM unnest($3::uuid[]) AS u ON CONFLICT DO NOTHING`,
      [s.workspaceId, id, userIds],
    );
  }

  private async setSnoozed(
    s: Scope,
    r: ReminderRow,
    scheduledFor: Date,
    until: Date,
  ): Promise<void> {
    await s.query(
      `UPDATE reminder_occurrences SET snoozed_until = $4
        WHERE workspace_id = $1 AND reminder_id = $2 AND scheduled_for = $3`,
      [s.workspaceId, r.id, scheduledFor, until],
    );
  }

  private async occurrence(
    s: Scope,
    r: ReminderRow,
    scheduledFor: Date,
  ): Promise<OccurrenceRow | null> {
    const [row] = await s.query<OccurrenceRow>(
      `SELECT o.id, o.scheduled_for AS "scheduledFor", o.fired_at AS "firedAt", o.late, o.skipped,
              o.snoozed_until AS "snoozedUntil", o.acknowledged_at AS "acknowledgedAt"
         FROM reminder_occurrences o WHERE o.workspace_id = $1 AND o.reminder_id = $2 AND o.scheduled_for = $3`,
      [s.workspaceId, r.id, scheduledFor],
    );
    return row ?? null;
  }

  /**
   * Writes `values` (snake_case columns) if the row is still at the version read (412 with a
   * stale If-Match, 409 when another writer got there first), keeping `next_fire_at` the
   * earlier of the rule's next occurrence and a pending snooze.
   */
  private async write(
    s: Scope,
    before: ReminderRow,
    ifMatch: number | undefined,
    values: Record<string, unknown>,
  ): Promise<void> {
    checkIfMatch(before.version, ifMatch);
    const columns = Object.keys(values);
    const sets = columns.map((c, i) => `${c} = $${i + 4}`);
    const result = (await s.query(
      `UPDATE reminders SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')}
        WHERE workspace_id = $1 AND id = $2 AND version = $3
        RETURNING id`,
      [s.workspaceId, before.id, before.version, ...columns.map((c) => values[c])],
    )) as unknown as [unknown[], number];
    if (result[1] !== 1) {
      throw ifMatch !== undefined
        ? CommonProblems.preconditionFailed('The resource was changed by another request.')
        : CommonProblems.concurrentModification();
    }
    await s.query(
      `UPDATE reminders SET next_fire_at = CASE WHEN state = 'active' THEN LEAST(rule_next_at, snooze_until) END
        WHERE workspace_id = $1 AND id = $2`,
      [s.workspaceId, before.id],
    );
  }

  private async recordChange(
    s: Scope,
    before: ReminderRow,
    event: EventType,
  ): Promise<ReminderResponseDto> {
    const after = await this.row(s, before.id, false);
    s.record(event, before.id, diffChanges(auditView(before), auditView(after), [...AUDIT_FIELDS]));
    return toResponse(after);
  }

  /**
   * The reminder of the scope's workspace. Writes re-read it with the row lock (`lock`): the
   * kernel resolved tenancy and role without one, and a write and the scheduler's claim of the
   * same reminder must serialise on the row, deciding on what the claim left.
   */
  private async row(s: Scope | WorkspaceScope, id: string, lock: boolean): Promise<ReminderRow> {
    const [row] = await s.query<ReminderRow>(
      `SELECT ${REMINDER_COLUMNS} FROM reminders t WHERE t.workspace_id = $1 AND t.id = $2
        ${lock ? 'FOR UPDATE OF t' : ''}`,
      [s.workspaceId, id],
    );
    if (!row) throw CommonProblems.notFound(REMINDER_NOT_FOUND);
    return row;
  }
}

interface OccurrenceRow {
  id: string;
  scheduledFor: Date;
  firedAt: Date | null;
  late: boolean;
  skipped: boolean;
  snoozedUntil: Date | null;
  acknowledgedAt: Date | null;
}

type ScheduleInput = Pick<CreateReminderDto, 'remindAt' | 'rrule' | 'dtstart' | 'cron'>;

/**
 * The schedule a request describes: exactly one of remindAt, rrule (+dtstart), cron. On update,
 * a lone `dtstart` or `timeZone` keeps the stored kind and changes only that part.
 */
function specFrom(dto: ScheduleInput, timeZone: string, before: ReminderRow | null): ScheduleSpec {
  const sent = (['remindAt', 'rrule', 'cron'] as const).filter((k) => dto[k] !== undefined);
  if (sent.length > 1) throw invalidField(sent[1]!, 'cannot be combined with ' + sent[0]!);
  let kind: 'remindAt' | 'rrule' | 'cron' | undefined = sent[0];
  if (!kind && before) kind = before.kind === 'once' ? 'remindAt' : before.kind;
  if (!kind) throw invalidField('remindAt', 'or rrule (with dtstart) or cron is required');
  if (kind !== 'rrule' && dto.dtstart !== undefined)
    throw invalidField('dtstart', 'only goes with rrule');
  if (kind === 'remindAt') {
    return { kind: 'once', remindAt: new Date(dto.remindAt ?? before!.remindAt!) };
  }
  if (kind === 'rrule') {
    const dtstart = dto.dtstart ?? (before?.kind === 'rrule' ? before.dtstart : null);
    if (!dtstart) throw invalidField('dtstart', 'is required with rrule');
    return { kind: 'rrule', rrule: dto.rrule ?? before!.rrule!, dtstart, timeZone };
  }
  return { kind: 'cron', cron: dto.cron ?? before!.cron!, timeZone };
}

function auditView(r: ReminderRow): Record<(typeof AUDIT_FIELDS)[number], unknown> {
  return {
    title: r.title,
    note: r.note,
    remindAt: iso(r.remindAt),
    rrule: r.rrule,
    dtstart: r.dtstart,
    cron: r.cron,
    timeZone: r.timeZone,
    targetId: r.targetId,
    catchUp: r.catchUp,
    state: r.state,
    recipientIds: r.recipientIds,
    snoozeUntil: iso(r.snoozeUntil),
  };
}

export function toResponse(r: ReminderRow): ReminderResponseDto {
  const preview: string[] = [];
  if (r.state === 'active' && r.ruleNextAt) {
    const schedule = compileSchedule(scheduleOf(r));
    const ruleNext = new Date(r.ruleNextAt);
    preview.push(
      ...[ruleNext, ...nextOccurrences(schedule, ruleNext, PREVIEW_COUNT - 1)].map((d) =>
        d.toISOString(),
      ),
    );
  }
  return {
    id: r.id,
    workspaceId: r.workspaceId,
    title: r.title,
    note: r.note,
    remindAt: iso(r.remindAt),
    rrule: r.rrule,
    dtstart: r.dtstart,
    cron: r.cron,
    timeZone: r.timeZone,
    cardId: r.targetType === 'card' ? r.targetId : null,
    noteId: r.targetType === 'note' ? r.targetId : null,
    recipientIds: r.recipientIds,
    catchUp: r.catchUp,
    state: r.state,
    nextFireAt: iso(r.nextFireAt),
    nextOccurrences: preview,
    snoozedUntil: iso(r.snoozeUntil),
    version: r.version,
    createdAt: iso(r.createdAt)!,
    updatedAt: iso(r.updatedAt)!,
  };
}

function toOccurrenceResponse(o: OccurrenceRow): OccurrenceResponseDto {
  return {
    id: o.id,
    scheduledFor: iso(o.scheduledFor)!,
    firedAt: iso(o.firedAt),
    late: o.late,
    skipped: o.skipped,
    snoozedUntil: iso(o.snoozedUntil),
    acknowledgedAt: iso(o.acknowledgedAt),
  };
}
