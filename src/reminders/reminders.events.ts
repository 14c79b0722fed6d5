import { defineEvents } from '../kernel/events.js';

/** The reminders module's events (the README and the OpenAPI description list them). */
export const ReminderEvents = defineEvents('reminder', {
  created: {
    description: 'A reminder was created (by a member, or for a card due date).',
    deliverable: true,
  },
  updated: {
    description: 'A reminder was changed: title, note, schedule, recipients or policy.',
    deliverable: true,
  },
  cancelled: { description: 'A reminder was cancelled; it never fires again.', deliverable: true },
  snoozed: { description: 'An occurrence was snoozed until a later instant.', deliverable: true },
  acknowledged: { description: 'The last fired occurrence was acknowledged.', deliverable: true },
  fired: {
    description:
      'A reminder occurrence fired (actor: system:reminders); changes: scheduledFor, firedAt, late.',
    deliverable: true,
  },
});
