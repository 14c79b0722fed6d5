import { defineEvents } from '../kernel/events.js';

/** Account events (each user's own chain, no workspace): never delivered to webhooks. */
export const UserEvents = defineEvents('user', {
  registered: { description: 'A user registered an account.' },
  loginFailed: { description: 'A sign-in with a wrong password for this account.' },
});

export const SessionEvents = defineEvents('session', {
  created: { description: 'A user signed in (a new session: a refresh-token family).' },
  refreshed: { description: 'A session exchanged its refresh token for a new pair.' },
  loggedOut: { description: 'A user ended a session.' },
  reuseDetected: {
    description: 'A rotated refresh token was presented again: its whole session was revoked.',
  },
});

export const TokenEvents = defineEvents('token', {
  created: { description: 'A personal API token was created.', entityType: 'api_token' },
  revoked: { description: 'A personal API token was revoked.', entityType: 'api_token' },
});

/** Workspace events (the workspace's chain). */
export const WorkspaceEvents = defineEvents('workspace', {
  created: { description: 'A workspace was created.', deliverable: true },
  updated: { description: 'A workspace was renamed.', deliverable: true },
  deleted: { description: 'A workspace was deleted.', deliverable: true },
});

export const MemberEvents = defineEvents('member', {
  added: { description: 'A user was added to the workspace.', deliverable: true },
  roleChanged: { description: "A member's role changed.", deliverable: true },
  removed: { description: 'A member left or was removed.', deliverable: true },
});
