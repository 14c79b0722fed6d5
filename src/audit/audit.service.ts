import { Injectable, Optional } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { RequestContext } from '../common/request-context.js';
import { preparedQuery } from '../database/prepared-query.js';
import { newId } from '../database/uuid.js';
import { auditActor, type Actor } from '../kernel/actor.js';
import { Clock, SystemClock } from '../kernel/clock.js';
import {
  ACTION_PATTERN,
  ENTITY_TYPE_PATTERN,
  isDeclaredEvent,
  type EventType,
} from '../kernel/events.js';
import { AuditEventEntity } from './audit-event.entity.js';
import { eventHash, GENESIS_HASH, type HashedEvent } from './audit-hash.js';
import { normaliseChanges, redactChanges, type Changes } from './changes.js';

export { ACTION_PATTERN, ENTITY_TYPE_PATTERN } from '../kernel/events.js';

export interface AuditEventBase {
  /** The workspace the change belongs to; null for account-level events (then `userId` is set). */
  workspaceId: string | null;
  /** For account-level events: whose account chain the event joins (and who may see it). */
  userId?: string;
  entityId: string | null;
  /** Changed fields only; use `diffChanges`. Secret fields are redacted again here. */
  changes?: Changes;
  /** Defaults to the caller of the current request, or `system`. */
  actor?: Actor;
}

/** An event of the catalogue (`defineEvents`): the only kind modules record. */
export interface DeclaredEventInput extends AuditEventBase {
  event: EventType;
  /** `event.action` and `event.entityType`, for readers of buffered events (projections). */
  readonly action: string;
  readonly entityType: string;
}

/**
 * The input for a declared event: its name and entity type come from the catalogue only.
 * (`Object.assign`, not `{ ...input, event, ... }`: Node 20's slow path for a spread followed by
 * more properties, see README, Benchmarks, "Object spreads".)
 */
export const declaredEvent = (event: EventType, input: AuditEventBase): DeclaredEventInput =>
  Object.assign({}, input, {
    event,
    action: event.action,
    entityType: event.entityType,
  } satisfies Partial<DeclaredEventInput>);

/**
 * @deprecated An event named by strings. Only src/board still records these until its move
 * onto the unit of work lands; delete this variant then.
 */
export interface UntypedEventInput extends AuditEventBase {
  action: string;
  entityType: string;
}

export type AuditEventInput = DeclaredEventInput | UntypedEventInput;

const MAX_USER_AGENT_LENGTH = 512;

export const workspaceChainKey = (workspaceId: string): string => `ws:${workspaceId}`;
export const accountChainKey = (userId: string): string => `user:${userId}`;

interface ChainHead {
  lastSeq: string;
  lastHash: string;
  lastOccurredAt: Date | string | null;
}

/**
 * Appends events to the log, always inside the caller's transaction (`TransactionHost.run`),
 * so an event exists if and only if its change committed.
 *
 * Appends to one chain are serialised by locking the chain's head row until commit: the next
 * writer of that chain waits, then reads the committed head. Hence `seq` is gap-free and in
 * commit order, and any snapshot sees a gap-free prefix of every chain (what the outbox relies
 * on). Other chains' heads are not touched, so other workspaces never wait. The lock is
 * FOR NO KEY UPDATE: it excludes other appenders but not the key-share locks that foreign keys
 * to the head (outbox cursors) take.
 */
@Injectable()
export class AuditService {
  private readonly clock: Clock;

  constructor(@Optional() clock?: Clock) {
    this.clock = clock ?? new SystemClock();
  }

  /** Appends one event; see `appendBatch`. */
  async record(em: EntityManager, input: AuditEventInput): Promise<AuditEventEntity> {
    const [event] = await this.appendBatch(em, [input]);
    return event;
  }

  /**
   * Appends events, of one chain or several, in two statements whatever their number: one
   * that locks every chain head involved, in chain-key order (two transactions appending to
   * the same chains can therefore never deadlock on them), and one that inserts every event
   * and advances every head. Within a chain the events keep the order given.
   */
  async appendBatch(
    em: EntityManager,
    inputs: readonly AuditEventInput[],
  ): Promise<AuditEventEntity[]> {
    if (inputs.length === 0) return [];
    if (!em.queryRunner?.isTransactionActive) {
      // Outside a transaction the head lock would end with the statement: chains could fork.
      throw new Error(
        `audit event ${nameOf(inputs[0]).action} must be recorded inside TransactionHost.run`,
      );
    }
    const chainKeys = inputs.map(chainKeyOf);
    const heads = await this.lockHeads(em, [...new Set(chainKeys)].sort());
    const meta = RequestContext.current();
    const now = this.clock.nowMs();
    const events = inputs.map((input, i) => {
      const { action, entityType } = nameOf(input);
      const head = heads.get(chainKeys[i])!;
      const actor = auditActor(input.actor ?? meta?.principal);
      const occurredAt = new Date(Math.max(now, head.lastOccurredAtMs));
      const hashed: HashedEvent = {
        id: newId(),
        workspaceId: input.workspaceId,
        chainKey: chainKeys[i],
        seq: String(head.lastSeq + 1n),
        actor,
        action,
        entityType,
        entityId: input.entityId,
        // Hash exactly what jsonb will give back (see normaliseChanges).
        changes: normaliseChanges(redactChanges(input.changes ?? {})),
        requestId: meta?.requestId ?? null,
        ip: meta?.ip ?? null,
        userAgent: meta?.userAgent?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
        occurredAt: occurredAt.toISOString(),
        prevHash: head.lastHash,
      };
      const hash = eventHash(hashed);
      head.lastSeq += 1n;
      head.lastHash = hash;
      head.lastOccurredAtMs = occurredAt.getTime();
      const event: AuditEventEntity = {
        id: hashed.id,
        workspaceId: hashed.workspaceId,
        chainKey: hashed.chainKey,
        seq: hashed.seq,
        actorType: actor.type,
        actorId: actor.id,
        action,
        entityType,
        entityId: hashed.entityId,
        changes: hashed.changes,
        requestId: hashed.requestId,
        ip: hashed.ip,
        userAgent: hashed.userAgent,
        occurredAt,
        prevHash: hashed.prevHash,
        hash,
      };
      return event;
    });
    await this.insert(em, events, heads);
    return events;
  }

  private async insert(
    em: EntityManager,
    events: AuditEventEntity[],
    heads: Map<string, LockedHead>,
  ): Promise<void> {
    const touched = [...heads.entries()].filter(([, h]) => h.lastSeq !== h.lockedSeq);
    // Insert and head update in one statement: one round trip while holding the head locks.
    // The events travel as ONE jsonb array of rows (one native JSON.stringify, parsed once by
    // the server), cheaper on both ends than sixteen text arrays for batches of hundreds.
    // Prepared once per connection (`preparedQuery`): every audited write sends it.
    await preparedQuery(
      em,
      'audit_append',
      `WITH inserted AS (
         INSERT INTO audit_events (id, workspace_id, chain_key, seq, actor_type, actor_id, action,
                                   entity_type, entity_id, changes, request_id, ip, user_agent,
                                   occurred_at, prev_hash, hash)
         SELECT (e->>0)::uuid, (e->>1)::uuid, e->>2, (e->>3)::bigint, e->>4, e->>5, e->>6, e->>7,
                (e->>8)::uuid, e->9, e->>10, e->>11, e->>12, (e->>13)::timestamptz, e->>14, e->>15
           FROM jsonb_array_elements($1::jsonb) AS e
       )
       UPDATE audit_chain_heads h
          SET last_seq = u.seq, last_hash = u.hash, last_occurred_at = u.at
         FROM unnest($2::varchar[], $3::bigint[], $4::bpchar[], $5::timestamptz[])
              AS u(chain_key, seq, hash, at)
        WHERE h.chain_key = u.chain_key`,
      [
        JSON.stringify(
          events.map((e) => [
            e.id,
            e.workspaceId,
            e.chainKey,
            e.seq,
            e.actorType,
            e.actorId,
            e.action,
            e.entityType,
            e.entityId ?? null,
            e.changes,
            e.requestId,
            e.ip,
            e.userAgent,
            e.occurredAt.toISOString(),
            e.prevHash,
            e.hash,
          ]),
        ),
        touched.map(([key]) => key),
        touched.map(([, h]) => h.lastSeq.toString()),
        touched.map(([, h]) => h.lastHash),
        touched.map(([, h]) => new Date(h.lastOccurredAtMs).toISOString()),
      ],
    );
  }

  /**
   * Locks the heads of `chainKeys` (sorted) until commit, creating missing ones. FOR NO KEY
   * UPDATE excludes other appenders but not the key-share locks that foreign keys to the head
   * (outbox cursors) take. Rows are locked in the ORDER BY order, so every appender takes
   * them in the same order.
   */
  private async lockHeads(
    em: EntityManager,
    chainKeys: string[],
  ): Promise<Map<string, LockedHead>> {
    const select = () =>
      preparedQuery<ChainHead & { chainKey: string }>(em, 'audit_lock_heads', LOCK_HEADS_SQL, [
        chainKeys,
      ]);
    let rows = await select();
    if (rows.length < chainKeys.length) {
      // First events of a chain: two first writers race here; one inserts, the other does
      // nothing, and both then lock it. Inserted in key order too.
      await em.query(
        `INSERT INTO audit_chain_heads (chain_key, last_seq, last_hash)
         SELECT k, 0, $2 FROM unnest($1::varchar[]) AS k ORDER BY k
         ON CONFLICT (chain_key) DO NOTHING`,
        [chainKeys, GENESIS_HASH],
      );
      rows = await select();
    }
    return new Map(
      rows.map((r) => {
        const lastSeq = BigInt(r.lastSeq);
        return [
          r.chainKey,
          {
            lockedSeq: lastSeq,
            lastSeq,
            lastHash: r.lastHash,
            // Never before the chain's previous event: clocks of several instances differ and
            // wall clocks step back, yet time order must stay chain order (a time range is then
            // a contiguous, verifiable stretch of the chain).
            lastOccurredAtMs: r.lastOccurredAt ? new Date(r.lastOccurredAt).getTime() : 0,
          },
        ];
      }),
    );
  }
}

// Prepared once per connection (`preparedQuery`): every audited write sends both.
const LOCK_HEADS_SQL = `SELECT chain_key AS "chainKey", last_seq AS "lastSeq", last_hash AS "lastHash",
                last_occurred_at AS "lastOccurredAt"
           FROM audit_chain_heads WHERE chain_key = ANY($1::varchar[])
          ORDER BY chain_key FOR NO KEY UPDATE`;

interface LockedHead {
  lockedSeq: bigint;
  lastSeq: bigint;
  lastHash: string;
  lastOccurredAtMs: number;
}

/** The event's action and entity type: a declared event's, checked to be one. */
function nameOf(input: AuditEventInput): { action: string; entityType: string } {
  if ('event' in input) {
    if (!isDeclaredEvent(input.event)) {
      throw new Error(
        `audit event ${String((input.event as EventType | undefined)?.action)} is not declared with defineEvents`,
      );
    }
    return input.event;
  }
  return input;
}

function chainKeyOf(input: AuditEventInput): string {
  const { action, entityType } = nameOf(input);
  if (!input.workspaceId && !input.userId) {
    throw new Error(`audit event ${action} needs a workspaceId or a userId`);
  }
  if (!ACTION_PATTERN.test(action)) {
    throw new Error(`audit action ${action} is not <entity>.<verb> in snake_case`);
  }
  if (!ENTITY_TYPE_PATTERN.test(entityType)) {
    throw new Error(`audit entity type ${entityType} is not snake_case`);
  }
  return input.workspaceId ? workspaceChainKey(input.workspaceId) : accountChainKey(input.userId!);
}
