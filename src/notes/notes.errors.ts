import { HttpStatus } from '@nestjs/common';
import { defineProblems } from '../common/problem.js';

export const NOTE_NOT_FOUND = 'Note not found.';
export const REVISION_NOT_FOUND = 'Revision not found.';

/** The notes module's own problem kinds (generic ones come from CommonProblems). */
export const NotesProblems = defineProblems({
  cardNotInWorkspace: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'Card not in this workspace',
    description:
      "A note can only be linked to a card of its own workspace; the card does not exist or belongs to a workspace you can't link from.",
  },
});
