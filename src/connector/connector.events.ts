import { defineEvents } from '../kernel/index.js';

/**
 * The connector module's events. None is deliverable: a connector's own lifecycle is not
 * something another webhook subscribes to (and `connector.disabled` would have nowhere to go).
 */
export const ConnectorEvents = defineEvents('connector', {
  created: { description: 'An admin created a connector (its secret is never recorded).' },
  updated: { description: 'An admin changed a connector (name, target, events, enabled, ...).' },
  deleted: { description: 'An admin deleted a connector and its delivery history.' },
  secretRotated: {
    description: 'A new signing secret was issued; the previous one signs too for 24 hours.',
  },
  disabled: {
    description:
      'The connector was switched off by the delivery pipeline: its endpoint answered 410 Gone, or it failed continuously for WEBHOOK_DISABLE_AFTER_HOURS.',
  },
  replayed: { description: 'An admin queued the events of a time range for delivery again.' },
});

/** The event type of `POST /v1/connectors/{id}/test` deliveries (not an event of the log). */
export const PING_EVENT_TYPE = 'connector.ping';
