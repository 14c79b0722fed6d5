import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { RequestContext, type Principal } from '../common/request-context.js';
import { newId } from '../database/uuid.js';
import { AuditChainHeadEntity, AuditEventEntity, type ActorType } from './audit-event.entity.js';
import { eventHash, GENESIS_HASH, type HashedEvent } from './audit-hash.js';
import { redactChanges, type Changes } from './changes.js';

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

function actorOf(principal: Principal | undefined): { type: ActorType; id: string | null } {
  if (!principal) return { type: 'system', id: null };
  if (principal.type === 'user') return { type: 'user', id: principal.userId };
  if (principal.type === 'token') return { type: 'token', id: principal.tokenId };
  return { type: 'system', id: principal.name };
}

/**
 * Appends events to the log, always inside the caller's transaction (`TransactionHost.run`),
 * so an event exists if and only if its change committed. Appends to one chain are serialised
 * by locking the chain's head row until commit, which makes `seq` gap-free and in commit order;
 * other workspaces' chains are not touched.
 */
@Injectable()
export class AuditService {
  async record(em: EntityManager, input: AuditEventInput): Promise<AuditEventEntity> {
    const chainKey = input.workspaceId ? `ws:${input.workspaceId}` : `user:${input.userId ?? ''}`;
    if (!input.workspaceId && !input.userId) {
      throw new Error(`audit event ${input.action} needs a workspaceId or a userId`);
    }
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
      changes: redactChanges(input.changes ?? {}),
      requestId: meta?.requestId ?? null,
      ip: meta?.ip ?? null,
      userAgent: meta?.userAgent?.slice(0, 512) ?? null,
      occurredAt: new Date().toISOString(),
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
    await em.insert(AuditEventEntity, event as QueryDeepPartialEntity<AuditEventEntity>);
    await em.update(AuditChainHeadEntity, { chainKey }, { lastSeq: hashed.seq, lastHash: hash });
    return event;
  }

  private async lockHead(em: EntityManager, chainKey: string): Promise<AuditChainHeadEntity> {
    const select = () =>
      em.query(
        'SELECT last_seq AS "lastSeq", last_hash AS "lastHash" FROM audit_chain_heads WHERE chain_key = $1 FOR UPDATE',
        [chainKey],
      ) as Promise<AuditChainHeadEntity[]>;
    let [head] = await select();
    if (!head) {
      await em.query(
        'INSERT INTO audit_chain_heads (chain_key, last_seq, last_hash) VALUES ($1, 0, $2) ON CONFLICT (chain_key) DO NOTHING',
        [chainKey, GENESIS_HASH],
      );
      [head] = await select();
    }
    return head;
  }
}
