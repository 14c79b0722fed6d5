import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService, declaredEvent, type AuditEventInput } from '../audit/audit.service.js';
import type { Changes } from '../audit/changes.js';
import { CommonProblems } from '../common/problem.js';
import { preparedQuery } from '../database/prepared-query.js';
import { TransactionHost } from '../database/transaction-host.js';
import { actorUserId, type Actor } from './actor.js';
import { Clock } from './clock.js';
import { EventProjections } from './event-projections.js';
import { isDeclaredEvent, type EventType } from './events.js';
import { hasRole, type Role } from './roles.js';
import {
  isTenantRef,
  resolveSql,
  WORKSPACE_NOT_FOUND,
  WORKSPACE_RESOLVE_SQL,
  type Target,
  type TenantTableSpec,
} from './tenancy.js';

/**
 * What a unit of work is handed: the workspace it is confined to, who acts, the transaction
 * (or the pool, for reads outside one), and `record` for its events. Module data access
 * takes the scope as its first argument and filters by `s.workspaceId`.
 */
export interface WorkspaceScope<R = undefined> {
  readonly workspaceId: string;
  readonly actor: Actor;
  /** The actor's role in the workspace (a system actor's own role). */
  readonly role: Role;
  /** The target row, when its tenant table declares `select`. */
  readonly row: R;
  readonly em: EntityManager;
  /** The user behind the actor; null for system actors. */
  readonly userId: string | null;
  now(): Date;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** A hot statement as a named prepared statement (see `preparedQuery`). */
  prepared<T>(name: string, sql: string, params: unknown[]): Promise<T[]>;
  /**
   * Records an event of this workspace. Events are appended just before COMMIT (all of the
   * transaction's at once, chain heads locked in a stable order): the event exists if and
   * only if the transaction commits. Only in `write`.
   */
  record(event: EventType, entityId: string | null, changes?: Changes): void;
  /** Runs once the transaction has committed (never after a rollback). */
  afterCommit(hook: () => void | Promise<void>): void;
}

interface Resolved {
  __workspaceId: string | null;
  __role: string | null;
  [column: string]: unknown;
}

/** Buffered events per open transaction (its query runner). */
const pending = new WeakMap<object, AuditEventInput[]>();

/**
 * The one entry point for tenant-owned reads and writes. Given the actor, the target (a
 * workspace, or a row of a declared tenant table) and the least role, it resolves tenancy in
 * one statement: not a member, a deleted workspace, a missing row and another tenant's row all
 * answer 404 with the target's detail (never 403: the row's existence is not revealed); a
 * lower role answers 403; an API token needs the `write` scope to write and the `admin` scope
 * for admin-level work. System actors pass through the same door with their own role, confined
 * to their workspace when they have one.
 */
@Injectable()
export class WorkspaceUnitOfWork {
  constructor(
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly projections: EventProjections,
  ) {}

  /** Work that only reads: joins an open transaction, or uses the pool. */
  read<T, R = undefined>(
    actor: Actor,
    target: Target<R>,
    minRole: Role,
    work: (s: WorkspaceScope<R>) => Promise<T>,
  ): Promise<T> {
    return this.resolve(this.tx.manager, actor, target, minRole, false).then((s) => work(s));
  }

  /** Work that writes: opens a transaction, or joins the open one (an Idempotency-Key's). */
  write<T, R = undefined>(
    actor: Actor,
    target: Target<R>,
    minRole: Role,
    work: (s: WorkspaceScope<R>) => Promise<T>,
  ): Promise<T> {
    return this.tx.run(async (em) => work(await this.resolve(em, actor, target, minRole, true)));
  }

  private async resolve<R>(
    em: EntityManager,
    actor: Actor,
    target: Target<R>,
    minRole: Role,
    writing: boolean,
  ): Promise<WorkspaceScope<R>> {
    const userId = actorUserId(actor);
    const spec: TenantTableSpec | null = isTenantRef(target) ? target.table : null;
    const notFound = spec?.notFound ?? WORKSPACE_NOT_FOUND;
    const id = isTenantRef(target) ? target.id : target.workspaceId;
    const [found] = spec
      ? await preparedQuery<Resolved>(em, `tenant_${spec.table}`, resolveSql(spec), [id, userId])
      : await preparedQuery<Resolved>(em, 'tenant_workspace', WORKSPACE_RESOLVE_SQL, [id, userId]);
    const workspaceId = found?.__workspaceId;
    const role = this.roleOf(actor, found?.__role ?? null, workspaceId);
    if (!workspaceId || !role) throw CommonProblems.notFound(notFound);
    if (!hasRole(role, minRole)) {
      throw CommonProblems.forbidden(`This needs the ${minRole} role; you are ${role}.`);
    }
    if (actor.type === 'token') {
      if (hasRole(minRole, 'admin') && !actor.scopes.includes('admin')) {
        throw CommonProblems.insufficientScope(
          'This operation needs an API token with the admin scope.',
        );
      }
      if (writing && !actor.scopes.includes('write') && !actor.scopes.includes('admin')) {
        throw CommonProblems.insufficientScope('This operation needs the write scope.');
      }
    }
    const { __workspaceId: _ws, __role: _role, ...row } = found;
    return this.scope<R>(
      em,
      actor,
      workspaceId,
      role,
      (spec?.select ? row : undefined) as R,
      writing,
    );
  }

  private roleOf(
    actor: Actor,
    resolved: string | null,
    workspaceId: string | null | undefined,
  ): Role | null {
    if (!resolved) return null;
    if (actor.type !== 'system') return resolved as Role;
    // A system actor needs the workspace to exist (resolved = 'system'), its own role, and,
    // when bound to a workspace, that workspace: anything else is "not found" to it.
    if (!actor.role || (actor.workspaceId && actor.workspaceId !== workspaceId)) return null;
    return actor.role;
  }

  private scope<R>(
    em: EntityManager,
    actor: Actor,
    workspaceId: string,
    role: Role,
    row: R,
    writing: boolean,
  ): WorkspaceScope<R> {
    const { tx, audit, clock, projections } = this;
    return {
      workspaceId,
      actor,
      role,
      row,
      em,
      userId: actorUserId(actor),
      now: () => clock.now(),
      query: <T>(sql: string, params: unknown[] = []) => em.query(sql, params) as Promise<T[]>,
      prepared: <T>(name: string, sql: string, params: unknown[]) =>
        preparedQuery<T>(em, name, sql, params),
      record(event, entityId, changes) {
        if (!writing) throw new Error(`event ${event.action} recorded in a read-only unit of work`);
        if (!isDeclaredEvent(event)) {
          throw new Error(
            `event ${String((event as EventType)?.action)} is not declared with defineEvents`,
          );
        }
        const key = em.queryRunner;
        if (!key) throw new Error('record needs a transaction');
        let buffer = pending.get(key);
        if (!buffer) {
          const events: AuditEventInput[] = [];
          buffer = events;
          pending.set(key, events);
          tx.beforeCommit(async () => {
            pending.delete(key);
            await projections.project(em, events);
            await audit.appendBatch(em, events);
          });
          tx.afterCompletion(() => void pending.delete(key));
        }
        buffer.push(declaredEvent(event, { workspaceId, entityId, changes, actor }));
      },
      afterCommit: (hook) => tx.afterCommit(hook),
    };
  }
}
