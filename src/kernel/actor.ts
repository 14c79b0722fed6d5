import type { Principal, SystemPrincipal } from '../common/request-context.js';

/** Whoever performs a unit of work: a user, a user's API token, or a named system actor. */
export type Actor = Principal;
export type SystemActor = SystemPrincipal;

/**
 * The system actors of the product. Each passes through the workspace unit of work like a
 * user, with its own role, and appears in audit events as `{type: 'system', id: <name>}`.
 */
export const SystemActors = {
  /** The reminder scheduler: fires reminders in any workspace. */
  reminders: { type: 'system', name: 'reminders', role: 'member' } as const satisfies SystemActor,
  /** An inbound connector: creates content in its own workspace only. */
  connector: (connectorId: string, workspaceId: string): SystemActor => ({
    type: 'system',
    name: `connector:${connectorId}`,
    role: 'member',
    workspaceId,
  }),
  /** A module's own background work (consumers, repairs) within one workspace. */
  named: (name: string, workspaceId?: string): SystemActor => ({
    type: 'system',
    name,
    role: 'member',
    ...(workspaceId ? { workspaceId } : {}),
  }),
};

/** The user behind an actor (an API token acts for its owner); null for system actors. */
export function actorUserId(actor: Actor): string | null {
  return actor.type === 'system' ? null : actor.userId;
}

/** The actor as the audit log stores it. */
export function auditActor(actor: Actor | undefined): {
  type: 'user' | 'token' | 'system';
  id: string | null;
} {
  if (!actor) return { type: 'system', id: null };
  if (actor.type === 'user') return { type: 'user', id: actor.userId };
  if (actor.type === 'token') return { type: 'token', id: actor.tokenId };
  return { type: 'system', id: actor.name };
}
