import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { RequestContext, type Principal } from '../common/request-context.js';
import { newId } from '../database/uuid.js';
import { AuditEventEntity, type ActorType } from './audit-event.entity.js';
import { eventHash, GENESIS_HASH, type HashedEvent } from './audit-hash.js';
import { normaliseChanges, redactChanges, type Changes } from './changes.js';

export interface AuditEventInput {
  /** The workspace the change belongs to; null for account-level events (then `userId` is set). */
  workspaceId: string | null;
  /** For account-level events: whose account chain the event joins (and who may see it). */
  userId?: string;
  /** `<entity>.<verb>`, e.g. `card.moved`, `member.role_changed`. */
  action: string;
  entityType: string;
  entityId: string | null;
  /** Changed fields only; use `diffChanges`. Secret fields are redacted again here. */
  changes?: Changes;
  /** Defaults to the caller of the current request, or `system`. */
  actor?: Principal;
}

/** `<entity>.<verb>` in snake_case segments: `card.moved`, `member.role_changed`. */
export const ACTION_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
/** `card`, `member`, `api_token`: what the `entityType` filter accepts. */
export const ENTITY_TYPE_PATTERN = /^[a-z][a-z0-9_]*$/;
const MAX_USER_AGENT_LENGTH = 512;

export const workspaceChainKey = (workspaceId: string): string => `ws:${workspaceId}`;
export const accountChainKey = (userId: string): string => `user:${userId}`;

function actorOf(principal: Principal | undefined): { type: ActorType; id: string | null } {
  if (!principal) return { type: 'system', id: null };
  if (principal.type === 'user') return { type: 'user', id: principal.userId };
  if (principal.type === 'token') return { type: 'token', id: principal.tokenId };
  return { type: 'system', id: principal.name };
}

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
  async record(em: EntityManager, input: AuditEventInput): Promise<AuditEventEntity> {
    if (!input.workspaceId && !input.userId) {
      throw new Error(`audit event ${input.action} needs a workspaceId or a userId`);
    }
    if (!ACTION_PATTERN.test(input.action)) {
      throw new Error(`audit action ${input.action} is not <entity>.<verb> in snake_case`);
    }
    if (!ENTITY_TYPE_PATTERN.test(input.entityType)) {
      throw new Error(`audit entity type ${input.entityType} is not snake_case`);
    }
    if (!em.queryRunner?.isTransactionActive) {
      // Outside a transaction the head lock would end with the statement: chains could fork.
      throw new Error(`audit event ${input.action} must be recorded inside TransactionHost.run`);
    }
    const chainKey = input.workspaceId
      ? workspaceChainKey(input.workspaceId)
      : accountChainKey(input.userId!);
    const meta = RequestContext.current();
    const head = await this.lockHead(em, chainKey);
    const actor = actorOf(input.actor ?? meta?.principal);
    const hashed: HashedEvent = {
      id: newId(),
      workspaceId: input.workspaceId,
      chainKey,
      seq: String(BigInt(head.lastSeq) + 1n),
      actor,
      action: input.action,
      entityType: input.entityType,
      entityId: input.entityId,
      // Hash exactly what jsonb will give back (see normaliseChanges).
      changes: normaliseChanges(redactChanges(input.changes ?? {})),
      requestId: meta?.requestId ?? null,
      ip: meta?.ip ?? null,
      userAgent: meta?.userAgent?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
      occurredAt: this.nextOccurredAt(head).toISOString(),
      prevHash: head.lastHash,
    };
    const hash = eventHash(hashed);
    const { actor: _actor, ...columns } = hashed;
    const event: AuditEventEntity = {
      ...columns,
      actorType: actor.type,
      actorId: actor.id,
      occurredAt: new Date(hashed.occurredAt),
      hash,
    };
    // Insert and head update in one statement: one round trip less while holding the head lock.
    await em.query(
      `WITH event AS (
         INSERT INTO audit_events (id, workspace_id, chain_key, seq, actor_type, actor_id, action,
                                   entity_type, entity_id, changes, request_id, ip, user_agent,
                                   occurred_at, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15, $16)
       )
       UPDATE audit_chain_heads SET last_seq = $4, last_hash = $16, last_occurred_at = $14
        WHERE chain_key = $3`,
      [
        event.id,
        event.workspaceId,
        chainKey,
        event.seq,
        event.actorType,
        event.actorId,
        event.action,
        event.entityType,
        event.entityId,
        JSON.stringify(event.changes),
        event.requestId,
        event.ip,
        event.userAgent,
        event.occurredAt,
        event.prevHash,
        hash,
      ],
    );
    return event;
  }

  /**
   * Appends many events (one chain or several) in three statements whatever their number: lock
   * every chain head involved, in chain-key order (so two batch writers never deadlock on them),
   * insert every event, advance every head. Within a chain the events keep the order given.
   */
  async appendBatch(
    em: EntityManager,
    inputs: readonly AuditEventInput[],
  ): Promise<AuditEventEntity[]> {
    if (inputs.length === 0) return [];
    if (!em.queryRunner?.isTransactionActive) {
      throw new Error(
        `audit event ${inputs[0]!.action} must be recorded inside TransactionHost.run`,
      );
    }
    const keyOf = (i: AuditEventInput): string => {
      if (!i.workspaceId && !i.userId)
        throw new Error(`audit event ${i.action} needs a workspaceId or a userId`);
      if (!ACTION_PATTERN.test(i.action) || !ENTITY_TYPE_PATTERN.test(i.entityType)) {
        throw new Error(
          `audit event ${i.action}/${i.entityType} is not snake_case <entity>.<verb>`,
        );
      }
      return i.workspaceId ? workspaceChainKey(i.workspaceId) : accountChainKey(i.userId!);
    };
    const chainKeys = inputs.map(keyOf);
    const sortedKeys = [...new Set(chainKeys)].sort();
    await em.query(
      `INSERT INTO audit_chain_heads (chain_key, last_seq, last_hash)
       SELECT k, 0, $2 FROM unnest($1::varchar[]) AS k ON CONFLICT (chain_key) DO NOTHING`,
      [sortedKeys, GENESIS_HASH],
    );
    const locked = (await em.query(
      `SELECT chain_key AS "chainKey", last_seq AS "lastSeq", last_hash AS "lastHash",
              last_occurred_at AS "lastOccurredAt"
         FROM audit_chain_heads WHERE chain_key = ANY($1::varchar[])
        ORDER BY chain_key FOR NO KEY UPDATE`,
      [sortedKeys],
    )) as (ChainHead & { chainKey: string })[];
    const heads = new Map(locked.map((h) => [h.chainKey, h]));
    const meta = RequestContext.current();
    const events = inputs.map((input, i) => {
      const head = heads.get(chainKeys[i]!)!;
      const actor = actorOf(input.actor ?? meta?.principal);
      const hashed: HashedEvent = {
        id: newId(),
        workspaceId: input.workspaceId,
        chainKey: chainKeys[i]!,
        seq: String(BigInt(head.lastSeq) + 1n),
        actor,
        action: input.action,
        entityType: input.entityType,
        entityId: input.entityId,
        changes: normaliseChanges(redactChanges(input.changes ?? {})),
        requestId: meta?.requestId ?? null,
        ip: meta?.ip ?? null,
        userAgent: meta?.userAgent?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
        occurredAt: this.nextOccurredAt(head).toISOString(),
        prevHash: head.lastHash,
      };
      const hash = eventHash(hashed);
      head.lastSeq = hashed.seq;
      head.lastHash = hash;
      head.lastOccurredAt = hashed.occurredAt;
      const { actor: _actor, ...columns } = hashed;
      const event: AuditEventEntity = {
        ...columns,
        actorType: actor.type,
        actorId: actor.id,
        occurredAt: new Date(hashed.occurredAt),
        hash,
      };
      return event;
    });
    const col = <K extends keyof AuditEventEntity>(k: K): unknown[] => events.map((e) => e[k]);
    await em.query(
      `WITH inserted AS (
         INSERT INTO audit_events (id, workspace_id, chain_key, seq, actor_type, actor_id, action,
                                   entity_type, entity_id, changes, request_id, ip, user_agent,
                                   occurred_at, prev_hash, hash)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::varchar[], $4::bigint[], $5::varchar[],
                              $6::varchar[], $7::varchar[], $8::varchar[], $9::uuid[], $10::jsonb[],
                              $11::varchar[], $12::varchar[], $13::varchar[], $14::timestamptz[],
                              $15::varchar[], $16::varchar[])
       )
       UPDATE audit_chain_heads h SET last_seq = u.seq, last_hash = u.hash, last_occurred_at = u.at
         FROM unnest($17::varchar[], $18::bigint[], $19::varchar[], $20::timestamptz[]) AS u(key, seq, hash, at)
        WHERE h.chain_key = u.key`,
      [
        col('id'),
        col('workspaceId'),
        col('chainKey'),
        col('seq'),
        col('actorType'),
        col('actorId'),
        col('action'),
        col('entityType'),
        col('entityId'),
        events.map((e) => JSON.stringify(e.changes)),
        col('requestId'),
        col('ip'),
        col('userAgent'),
        col('occurredAt'),
        col('prevHash'),
        col('hash'),
        [...heads.keys()],
        [...heads.values()].map((h) => h.lastSeq),
        [...heads.values()].map((h) => h.lastHash),
        [...heads.values()].map((h) => h.lastOccurredAt),
      ],
    );
    return events;
  }

  /**
   * Now, but never before the chain's previous event: clocks of several app instances differ
   * and wall clocks step back, yet time order must stay chain order (a time range is then a
   * contiguous, verifiable stretch of the chain).
   */
  private nextOccurredAt(head: ChainHead): Date {
    const now = Date.now();
    const last = head.lastOccurredAt ? new Date(head.lastOccurredAt).getTime() : 0;
    return new Date(Math.max(now, last));
  }

  private async lockHead(em: EntityManager, chainKey: string): Promise<ChainHead> {
    const select = () =>
      em.query(
        `SELECT last_seq AS "lastSeq", last_hash AS "lastHash", last_occurred_at AS "lastOccurredAt"
           FROM audit_chain_heads WHERE chain_key = $1 FOR NO KEY UPDATE`,
        [chainKey],
      ) as Promise<ChainHead[]>;
    let [head] = await select();
    if (!head) {
      // Two first writers race here: one inserts, the other does nothing, both then lock it.
      await em.query(
        'INSERT INTO audit_chain_heads (chain_key, last_seq, last_hash) VALUES ($1, 0, $2) ON CONFLICT (chain_key) DO NOTHING',
        [chainKey, GENESIS_HASH],
      );
      [head] = await select();
    }
    return head;
  }
}
