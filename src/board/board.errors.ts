import { HttpStatus } from '@nestjs/common';
import { defineProblems } from '../common/problem.js';

/** The board module's error kinds (documented in /openapi.json and the README). */
export const BoardProblems = defineProblems({
  wipLimitReached: {
    status: HttpStatus.CONFLICT,
    title: 'Column WIP limit reached',
    description:
      'The target column already holds as many non-archived cards as its WIP limit allows. Move a card out, archive one, or raise the limit.',
  },
  columnNotEmpty: {
    status: HttpStatus.CONFLICT,
    title: 'Column is not empty',
    description:
      'A column that holds cards (archived ones included) can only be deleted with `moveCardsTo` naming another column of the board.',
  },
  columnLimitReached: {
    status: HttpStatus.CONFLICT,
    title: 'Too many columns',
    description: 'A board holds at most 50 columns.',
  },
  boardArchived: {
    status: HttpStatus.CONFLICT,
    title: 'Board is archived',
    description:
      'An archived board is read-only: restore it (POST /v1/boards/{boardId}/restore) before changing it.',
  },
  cardArchived: {
    status: HttpStatus.CONFLICT,
    title: 'Card is archived',
    description: 'An archived card cannot be moved; restore it first.',
  },
  labelNameTaken: {
    status: HttpStatus.CONFLICT,
    title: 'Label name taken',
    description: 'The board already has a label with this name.',
  },
  invalidPlacement: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'Invalid placement',
    description:
      'The target column, or a neighbour (`afterCardId`, `beforeCardId`, `afterColumnId`, `beforeColumnId`), is not where the request says: another board or column, the item itself, or neighbours in the wrong order. See `errors`.',
  },
});
