import { defineEvents } from '../kernel/index.js';

/**
 * The connector module's events. They are deliverable ("operational webhooks"): another
 * connector subscribed to `connector.*` learns that an endpoint was disabled, a secret rotated,
 * or a replay queued. Secrets never appear in them.
 */
export const ConnectorEvents = defineEvents('connector', {
  created: {
    description: 'An admin created a connector (its secret is never recorded).',
    deliverable: true,
  },
  updated: {
    description: 'An admin changed a connector (name, target, events, enabled, ...).',
    deliverable: true,
  },
  deleted: {
    description: 'An admin deleted a connector and its delivery history.',
    deliverable: true,
  },
  secretRotated: {
    description: 'A new signing secret was issued; the previous one signs too for 24 hours.',
    deliverable: true,
  },
  disabled: {
    description:
      'The connector was switched off by the delivery pipeline: its endpoint answered 410 Gone, or it failed continuously for WEBHOOK_DISABLE_AFTER_HOURS.',
    deliverable: true,
  },
  replayed: {
    description: 'An admin queued the events of a time range for delivery again.',
    deliverable: true,
  },
});

/** The event type of `POST /v1/connectors/{id}/test` deliveries (not an event of the log). */
export const PING_EVENT_TYPE = 'connector.ping';
