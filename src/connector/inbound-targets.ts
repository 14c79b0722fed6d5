import type { Actor } from '../kernel/index.js';

/**
 * Where an inbound mapping's result goes: one implementation per target (`card`, `note`,
 * `reminder`), each calling the owning module's exported service as the connector's system
 * actor, so validation, tenancy and the audit event are exactly the public API's. A target
 * whose module is absent from this build is simply not registered (the event fails with a
 * clear reason instead).
 */
export interface InboundTarget {
  readonly target: string;
  /** False when the owning module is not part of this build (the event then fails). */
  readonly available?: boolean;
  /** The audit entity type of what it creates. */
  readonly entityType: string;
  /**
   * Validates `body` as the public create route would (422 field errors) and creates the
   * entity; returns its id. Runs inside the caller's transaction.
   */
  create(
    actor: Actor,
    workspaceId: string,
    placement: Record<string, string>,
    body: Record<string, unknown>,
  ): Promise<{ id: string }>;
}

export const INBOUND_TARGETS = Symbol('INBOUND_TARGETS');
