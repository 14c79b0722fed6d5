import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { diffChanges } from '../audit/changes.js';
import { principalUserId } from '../common/auth.decorators.js';
import { CursorCodec, DEFAULT_PAGE_SIZE, type Page } from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch } from '../database/versioned-update.js';
import { CardDirectory } from '../board/card-directory.service.js';
import type { Role } from '../identity/membership.entity.js';
import { memberRoleSql, WorkspaceAccess } from '../identity/workspace-access.service.js';
import { NoteDirectory } from '../notes/note-directory.service.js';
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

/** The columns of a reminder as the service reads them (alias `r`). */
const REMINDER_COLUMNS = `r.id, r.workspace_id AS "workspaceId", r.title, r.note, r.kind,
  r.remind_at AS "remindAt", r.rrule, r.dtstart, r.cron, r.time_zone AS "timeZone",
  r.target_type AS "targetType", r.target_id AS "targetId", r.catch_up AS "catchUp", r.state,
  r.next_fire_at AS "nextFireAt", r.rule_next_at AS "ruleNextAt", r.snooze_until AS "snoozeUntil",
  r.snoozed_for AS "snoozedFor", r.last_fired_for AS "lastFiredFor", r.version,
  r.created_at AS "createdAt", r.updated_at AS "updatedAt",
  ARRAY(SELECT rr.user_id FROM reminder_recipients rr
         WHERE rr.workspace_id = r.workspace_id AND rr.reminder_id = r.id ORDER BY rr.user_id)
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
const INFINITY = 'infinity';
/** Each list's cursors are bound to it: a cursor of another list is refused (400). */
const LIST_BINDING = 'reminders.list|next_fire_at,id';
const OCCURRENCES_BINDING = 'reminders.occurrences|scheduled_for desc,id desc';
const UPCOMING_BINDING = 'reminders.upcoming|next_fire_at,id';

@Injectable()
export class RemindersService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly access: WorkspaceAccess,
    private readonly cards: CardDirectory,
    private readonly notes: NoteDirectory,
    private readonly cursors: CursorCodec,
  ) {}

  async create(
    principal: Principal,
    workspaceId: string,
    dto: CreateReminderDto,
  ): Promise<ReminderResponseDto> {
    const userId = principalUserId(principal);
    return this.tx.run(async (em) => {
      await this.access.require(principal, workspaceId, 'member');
      const timeZone = dto.timeZone ?? (await this.access.timeZone(workspaceId));
      const spec = specFrom(dto, timeZone, null);
      const now = new Date();
      const first = this.firstOccurrence(spec, now);
      if (dto.cardId && dto.noteId) throw invalidField('cardId', 'and noteId cannot both be set');
      const target = await this.target(workspaceId, dto.cardId, dto.noteId);
      const recipients = await this.recipients(workspaceId, dto.recipientIds ?? [userId]);
      const id = newId();
      await em.query(
        `INSERT INTO reminders (id, workspace_id, bucket, title, note, kind, remind_at, rrule, dtstart, cron,
                                time_zone, target_type, target_id, catch_up, state, next_fire_at, rule_next_at,
                                created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'active', $15, $15, $16)`,
        [
          id,
          workspaceId,
          bucketOf(workspaceId),
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
          userId,
        ],
      );
      await this.setRecipients(em, workspaceId, id, recipients);
      const row = await this.row(em, workspaceId, id);
      await this.audit.record(em, {
        workspaceId,
        action: ReminderEvents.created.action,
        entityType: 'reminder',
        entityId: id,
        changes: diffChanges(null, auditView(row), [...AUDIT_FIELDS]),
      });
      return toResponse(row);
    });
  }

  async get(principal: Principal, reminderId: string): Promise<ReminderResponseDto> {
    return toResponse(await this.load(this.tx.manager, principal, reminderId, 'viewer', false));
  }

  async list(
    principal: Principal,
    workspaceId: string,
    query: ListRemindersQueryDto,
  ): Promise<Page<ReminderResponseDto>> {
    await this.access.require(principal, workspaceId, 'viewer');
    const params: unknown[] = [workspaceId];
    const where = ['r.workspace_id = $1'];
    const add = (sql: (p: string) => string, value: unknown): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (query.targetId) add((p) => `r.target_id = ${p}`, query.targetId);
    if (query.state) add((p) => `r.state = ${p}`, query.state);
    if (query.nextBefore) add((p) => `r.next_fire_at < ${p}`, new Date(query.nextBefore));
    if (query.nextAfter) add((p) => `r.next_fire_at >= ${p}`, new Date(query.nextAfter));
    // Ordered by next occurrence; reminders with none (done, cancelled) last.
    const sortKey = `coalesce(r.next_fire_at, 'infinity'::timestamptz)`;
    if (query.cursor) {
      const [at, id] = this.cursors.decode(query.cursor, 2, LIST_BINDING);
      params.push(at, id);
      where.push(
        `(${sortKey}, r.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
      );
    }
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = (await this.tx.manager.query(
      `SELECT ${REMINDER_COLUMNS} FROM reminders r WHERE ${where.join(' AND ')}
        ORDER BY ${sortKey}, r.id LIMIT ${limit + 1}`,
      params,
    )) as ReminderRow[];
    return this.page(
      LIST_BINDING,
      rows,
      limit,
      (r) => [r.nextFireAt ? iso(r.nextFireAt) : INFINITY, r.id],
      toResponse,
    );
  }

  async update(
    principal: Principal,
    reminderId: string,
    dto: UpdateReminderDto,
    ifMatch?: number,
  ): Promise<ReminderResponseDto> {
    return this.tx.run(async (em) => {
      const before = await this.load(em, principal, reminderId, 'member', true);
      if (before.state === 'cancelled') throw ReminderProblems.reminderNotActive();
      const scheduleSent = [dto.remindAt, dto.rrule, dto.dtstart, dto.cron, dto.timeZone].some(
        (v) => v !== undefined,
      );
      const now = new Date();
      const values: Record<string, unknown> = {};
      if (dto.title !== undefined) values.title = dto.title;
      if (dto.note !== undefined) values.note = dto.note;
      if (dto.catchUp !== undefined) values.catch_up = dto.catchUp;
      if (scheduleSent) {
        const spec = specFrom(dto, dto.timeZone ?? before.timeZone, before);
        // The next occurrence is recomputed from the new schedule in this same transaction.
        const first = this.firstOccurrence(spec, now);
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
        const recipients = await this.recipients(before.workspaceId, dto.recipientIds);
        await em.query(
          `DELETE FROM reminder_recipients WHERE workspace_id = $1 AND reminder_id = $2`,
          [before.workspaceId, reminderId],
        );
        await this.setRecipients(em, before.workspaceId, reminderId, recipients);
      }
      if (Object.keys(values).length === 0 && dto.recipientIds === undefined) {
        checkIfMatch(before.version, ifMatch);
        return toResponse(before);
      }
      await this.write(em, before, ifMatch, values);
      return this.recordChange(em, before, ReminderEvents.updated.action);
    });
  }

  /** DELETE = cancel: the reminder stays (with its history) but never fires again. */
  async cancel(principal: Principal, reminderId: string, ifMatch?: number): Promise<void> {
    await this.tx.run(async (em) => {
      const before = await this.load(em, principal, reminderId, 'member', true);
      if (before.state === 'cancelled') {
        checkIfMatch(before.version, ifMatch);
        return;
      }
      await this.write(em, before, ifMatch, {
        state: 'cancelled',
        rule_next_at: null,
        snooze_until: null,
        snoozed_for: null,
      });
      await this.recordChange(em, before, ReminderEvents.cancelled.action);
    });
  }

  async snooze(
    principal: Principal,
    reminderId: string,
    until: string,
    ifMatch?: number,
  ): Promise<ReminderResponseDto> {
    return this.tx.run(async (em) => {
      const before = await this.load(em, principal, reminderId, 'member', true);
      if (before.state === 'cancelled') throw ReminderProblems.reminderNotActive();
      const at = new Date(until);
      const now = new Date();
      if (at <= now) throw invalidField('until', 'must be in the future');
      const values: Record<string, unknown> = { snooze_until: at };
      const lastFired = before.lastFiredFor
        ? await this.occurrence(em, before, before.lastFiredFor)
        : null;
      if (before.snoozedFor) {
        // A snooze already pending: move it.
        await this.setSnoozed(em, before, before.snoozedFor, at);
      } else if (lastFired && lastFired.acknowledgedAt === null) {
        // The last fired, unacknowledged occurrence fires again at `until`.
        values.snoozed_for = before.lastFiredFor;
        await this.setSnoozed(em, before, before.lastFiredFor!, at);
      } else if (before.ruleNextAt) {
        // The pending occurrence moves to `until`; the rule's later occurrences stay.
        const schedule = compileSchedule(scheduleOf(before));
        await em.query(
          `INSERT INTO reminder_occurrences (id, workspace_id, reminder_id, scheduled_for, snoozed_until)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (workspace_id, reminder_id, scheduled_for) DO UPDATE SET snoozed_until = EXCLUDED.snoozed_until`,
          [newId(), before.workspaceId, before.id, before.ruleNextAt, at],
        );
        values.snoozed_for = before.ruleNextAt;
        values.rule_next_at = schedule.next(before.ruleNextAt);
      } else {
        throw ReminderProblems.nothingToSnooze();
      }
      await this.write(em, before, ifMatch, values);
      return this.recordChange(em, before, ReminderEvents.snoozed.action);
    });
  }

  async acknowledge(
    principal: Principal,
    reminderId: string,
    ifMatch?: number,
  ): Promise<ReminderResponseDto> {
    return this.tx.run(async (em) => {
      const before = await this.load(em, principal, reminderId, 'member', true);
      if (before.state === 'cancelled') throw ReminderProblems.reminderNotActive();
      const lastFired = before.lastFiredFor
        ? await this.occurrence(em, before, before.lastFiredFor)
        : null;
      if (!lastFired || lastFired.acknowledgedAt !== null || lastFired.firedAt === null) {
        throw ReminderProblems.nothingToAcknowledge();
      }
      await em.query(
        `UPDATE reminder_occurrences SET acknowledged_at = now()
          WHERE workspace_id = $1 AND reminder_id = $2 AND scheduled_for = $3`,
        [before.workspaceId, before.id, before.lastFiredFor],
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
      await this.write(em, before, ifMatch, values);
      return this.recordChange(em, before, ReminderEvents.acknowledged.action);
    });
  }

  async occurrences(
    principal: Principal,
    reminderId: string,
    page: { limit?: number; cursor?: string },
  ): Promise<Page<OccurrenceResponseDto>> {
    const reminder = await this.load(this.tx.manager, principal, reminderId, 'viewer', false);
    const params: unknown[] = [reminder.workspaceId, reminder.id];
    let after = 'TRUE';
    if (page.cursor) {
      const [at, id] = this.cursors.decode(page.cursor, 2, OCCURRENCES_BINDING);
      params.push(at, id);
      after = `(o.scheduled_for, o.id) < ($3::timestamptz, $4::uuid)`;
    }
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = (await this.tx.manager.query(
      `SELECT o.id, o.scheduled_for AS "scheduledFor", o.fired_at AS "firedAt", o.late, o.skipped,
              o.snoozed_until AS "snoozedUntil", o.acknowledged_at AS "acknowledgedAt"
         FROM reminder_occurrences o
        WHERE o.workspace_id = $1 AND o.reminder_id = $2 AND ${after}
        ORDER BY o.scheduled_for DESC, o.id DESC LIMIT ${limit + 1}`,
      params,
    )) as OccurrenceRow[];
    return this.page(
      OCCURRENCES_BINDING,
      rows,
      limit,
      (o) => [iso(o.scheduledFor), o.id],
      toOccurrenceResponse,
    );
  }

  /** Active reminders where I am a recipient, across my workspaces, soonest first. */
  async upcoming(
    principal: Principal,
    page: { limit?: number; cursor?: string },
  ): Promise<Page<UpcomingReminderDto>> {
    const userId = principalUserId(principal);
    const workspaces = await this.access.workspacesOf(userId);
    if (workspaces.length === 0) return { data: [], nextCursor: null };
    const params: unknown[] = [workspaces, userId];
    let after = 'TRUE';
    if (page.cursor) {
      const [at, id] = this.cursors.decode(page.cursor, 2, UPCOMING_BINDING);
      params.push(at, id);
      after = `(r.next_fire_at, r.id) > ($3::timestamptz, $4::uuid)`;
    }
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const rows = (await this.tx.manager.query(
      `SELECT r.id, r.workspace_id AS "workspaceId", r.title, r.next_fire_at AS "nextFireAt"
         FROM reminders r
         JOIN reminder_recipients rr ON rr.workspace_id = r.workspace_id AND rr.reminder_id = r.id
        WHERE r.workspace_id = ANY($1::uuid[]) AND rr.user_id = $2 AND r.state = 'active'
          AND r.next_fire_at IS NOT NULL AND ${after}
        ORDER BY r.next_fire_at, r.id LIMIT ${limit + 1}`,
      params,
    )) as { id: string; workspaceId: string; title: string; nextFireAt: Date }[];
    return this.page(
      UPCOMING_BINDING,
      rows,
      limit,
      (r) => [iso(r.nextFireAt), r.id],
      (r) => ({
        id: r.id,
        workspaceId: r.workspaceId,
        title: r.title,
        nextFireAt: iso(r.nextFireAt)!,
      }),
    );
  }

  /** Active reminders where `userId` is a recipient (for the iCalendar feed), bounded. */
  async feedFor(userId: string, max: number): Promise<ReminderRow[]> {
    const workspaces = await this.access.workspacesOf(userId);
    if (workspaces.length === 0) return [];
    return (await this.tx.manager.query(
      `SELECT ${REMINDER_COLUMNS} FROM reminders r
         JOIN reminder_recipients me ON me.workspace_id = r.workspace_id AND me.reminder_id = r.id
        WHERE r.workspace_id = ANY($1::uuid[]) AND me.user_id = $2 AND r.state = 'active'
        ORDER BY r.next_fire_at NULLS LAST, r.id LIMIT ${max}`,
      [workspaces, userId],
    )) as ReminderRow[];
  }

  // --- internals -------------------------------------------------------------------------

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
    const members = await this.access.membersAmong(workspaceId, ids);
    const strangers = ids.filter((id) => !members.has(id));
    if (strangers.length > 0)
      throw invalidField('recipientIds', 'must be members of this workspace');
    return ids;
  }

  private async setRecipients(
    em: EntityManager,
    workspaceId: string,
    id: string,
    userIds: string[],
  ): Promise<void> {
    if (userIds.length === 0) return;
    await em.query(
      `INSERT INTO reminder_recipients (workspace_id, reminder_id, user_id)
       SELECT $1, $2, u FROM unnest($3::uuid[]) AS u ON CONFLICT DO NOTHING`,
      [workspaceId, id, userIds],
    );
  }

  private async setSnoozed(
    em: EntityManager,
    r: ReminderRow,
    scheduledFor: Date,
    until: Date,
  ): Promise<void> {
    await em.query(
      `UPDATE reminder_occurrences SET snoozed_until = $4
        WHERE workspace_id = $1 AND reminder_id = $2 AND scheduled_for = $3`,
      [r.workspaceId, r.id, scheduledFor, until],
    );
  }

  private async occurrence(
    em: EntityManager,
    r: ReminderRow,
    scheduledFor: Date,
  ): Promise<OccurrenceRow | null> {
    const [row] = (await em.query(
      `SELECT o.id, o.scheduled_for AS "scheduledFor", o.fired_at AS "firedAt", o.late, o.skipped,
              o.snoozed_until AS "snoozedUntil", o.acknowledged_at AS "acknowledgedAt"
         FROM reminder_occurrences o WHERE o.workspace_id = $1 AND o.reminder_id = $2 AND o.scheduled_for = $3`,
      [r.workspaceId, r.id, scheduledFor],
    )) as OccurrenceRow[];
    return row ?? null;
  }

  /**
   * Writes `values` (snake_case columns) if the row is still at the version read (412 with a
   * stale If-Match, 409 when another writer got there first), keeping `next_fire_at` the
   * earlier of the rule's next occurrence and a pending snooze.
   */
  private async write(
    em: EntityManager,
    before: ReminderRow,
    ifMatch: number | undefined,
    values: Record<string, unknown>,
  ): Promise<void> {
    checkIfMatch(before.version, ifMatch);
    const columns = Object.keys(values);
    const sets = columns.map((c, i) => `${c} = $${i + 3}`);
    const result = (await em.query(
      `UPDATE reminders SET ${[...sets, 'version = version + 1', 'updated_at = now()'].join(', ')}
        WHERE id = $1 AND version = $2
        RETURNING id`,
      [before.id, before.version, ...columns.map((c) => values[c])],
    )) as [unknown[], number];
    if (result[1] !== 1) {
      throw ifMatch !== undefined
        ? CommonProblems.preconditionFailed('The resource was changed by another request.')
        : CommonProblems.concurrentModification();
    }
    await em.query(
      `UPDATE reminders SET next_fire_at = CASE WHEN state = 'active' THEN LEAST(rule_next_at, snooze_until) END
        WHERE id = $1`,
      [before.id],
    );
  }

  private async recordChange(
    em: EntityManager,
    before: ReminderRow,
    action: string,
  ): Promise<ReminderResponseDto> {
    const after = await this.row(em, before.workspaceId, before.id);
    await this.audit.record(em, {
      workspaceId: before.workspaceId,
      action,
      entityType: 'reminder',
      entityId: before.id,
      changes: diffChanges(auditView(before), auditView(after), [...AUDIT_FIELDS]),
    });
    return toResponse(after);
  }

  private async row(em: EntityManager, workspaceId: string, id: string): Promise<ReminderRow> {
    const [row] = (await em.query(
      `SELECT ${REMINDER_COLUMNS} FROM reminders r WHERE r.workspace_id = $1 AND r.id = $2`,
      [workspaceId, id],
    )) as ReminderRow[];
    return row!;
  }

  /**
   * The reminder with the caller's role in its workspace, in one statement; a missing reminder
   * and one of another workspace are the same 404. `lock` takes the row lock so that a write
   * and the scheduler's claim of the same reminder serialise.
   */
  private async load(
    em: EntityManager,
    principal: Principal,
    reminderId: string,
    minRole: Role,
    lock: boolean,
  ): Promise<ReminderRow> {
    if (principal.type === 'system') throw CommonProblems.forbidden();
    const [row] = (await em.query(
      `SELECT ${REMINDER_COLUMNS}, ${memberRoleSql('r.workspace_id', '$2')} AS "callerRole"
         FROM reminders r WHERE r.id = $1 ${lock ? 'FOR UPDATE OF r' : ''}`,
      [reminderId, principal.userId],
    )) as (ReminderRow & { callerRole: Role | null })[];
    if (!row) throw CommonProblems.notFound(REMINDER_NOT_FOUND);
    this.access.authorize(principal, row.workspaceId, row.callerRole, minRole, REMINDER_NOT_FOUND);
    const { callerRole: _role, ...reminder } = row;
    return reminder;
  }

  private page<R, T>(
    binding: string,
    rows: R[],
    limit: number,
    key: (row: R) => (string | null)[],
    map: (row: R) => T,
  ): Page<T> {
    const hasMore = rows.length > limit;
    const kept = hasMore ? rows.slice(0, limit) : rows;
    const last = kept[kept.length - 1];
    return {
      data: kept.map(map),
      nextCursor: hasMore && last ? this.cursors.encode(key(last), binding) : null,
    };
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
