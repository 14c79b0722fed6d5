import { defineEvents } from '../kernel/index.js';

/**
 * The board module's events (audit log, outbox, webhooks). Content changes are deliverable to
 * webhooks; `column.rebalanced` is bookkeeping of the ordering keys and stays internal.
 */
export const BoardEvents = defineEvents('board', {
  created: { description: 'A board was created.', deliverable: true },
  updated: { description: "A board's name or description changed.", deliverable: true },
  archived: { description: 'A board was archived (read-only).', deliverable: true },
  restored: { description: 'An archived board was restored.', deliverable: true },
  deleted: {
    description: 'A board was deleted with its columns, cards, labels and comments.',
    deliverable: true,
  },
});

export const ColumnEvents = defineEvents('column', {
  created: { description: 'A column was added to a board.', deliverable: true },
  updated: {
    description: "A column's name, WIP limit, done flag or in-progress flag changed.",
    deliverable: true,
  },
  moved: { description: 'A column moved to another place on its board.', deliverable: true },
  deleted: {
    description: 'A column was deleted (its cards, if any, moved to another column first).',
    deliverable: true,
  },
  rebalanced: {
    description: "A column's card ordering keys were rewritten (no card changed place).",
  },
});

/**
 * Card events carry `dueAt`, `remindBefore` and `title` in their changes whenever the due date
 * or its offsets change, and when a card with a due date is restored (reminders follow them).
 */
export const CardEvents = defineEvents('card', {
  created: { description: 'A card was created.', deliverable: true },
  updated: {
    description:
      "A card's title, description, labels, assignees, due date or checklist changed; a due date or offsets change carries dueAt, remindBefore and title (and archivedAt on an archived card).",
    deliverable: true,
  },
  moved: { description: 'A card moved to another column or position.', deliverable: true },
  archived: { description: 'A card was archived.', deliverable: true },
  restored: {
    description:
      'An archived card was restored; with a due date, changes carry its dueAt, remindBefore and title (from = to).',
    deliverable: true,
  },
  deleted: { description: 'A card was deleted.', deliverable: true },
});

export const LabelEvents = defineEvents('label', {
  created: { description: 'A label was added to a board.', deliverable: true },
  updated: { description: "A label's name or color changed.", deliverable: true },
  deleted: { description: 'A label was deleted (and taken off every card).', deliverable: true },
});

export const CommentEvents = defineEvents('comment', {
  created: { description: 'A comment was added to a card.', deliverable: true },
  updated: { description: 'A comment was edited by its author.', deliverable: true },
  deleted: { description: 'A comment was deleted.', deliverable: true },
});
