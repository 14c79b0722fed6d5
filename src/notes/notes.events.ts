import { defineEvents } from '../kernel/events.js';

export const NoteEvents = defineEvents('note', {
  created: { description: 'A note was created.', deliverable: true },
  updated: { description: "A note's title, body, tags or pin changed.", deliverable: true },
  archived: { description: 'A note was archived.', deliverable: true },
  restored: { description: 'An archived note was restored.', deliverable: true },
  revisionRestored: {
    description: "A past revision's title, body and tags became current again.",
    deliverable: true,
  },
  deleted: { description: 'A note was deleted with its revisions and links.', deliverable: true },
  cardLinked: { description: 'A note was linked to a card.', deliverable: true },
  cardUnlinked: { description: 'A note was unlinked from a card.', deliverable: true },
});
