import { HttpStatus } from '@nestjs/common';
import { CommonProblems, defineProblems } from '../common/problem.js';
import { ScheduleError } from './recurrence.js';

export const REMINDER_NOT_FOUND = 'Reminder not found.';

/** The reminders module's error kinds (documented in /openapi.json and the README). */
export const ReminderProblems = defineProblems({
  nothingToSnooze: {
    status: HttpStatus.CONFLICT,
    title: 'Nothing to snooze',
    description:
      'The reminder has no pending occurrence and no fired, unacknowledged one (it is done or cancelled).',
  },
  nothingToAcknowledge: {
    status: HttpStatus.CONFLICT,
    title: 'Nothing to acknowledge',
    description: 'No occurrence of this reminder has fired since the last acknowledgement.',
  },
  reminderNotActive: {
    status: HttpStatus.CONFLICT,
    title: 'Reminder is not active',
    description: 'A cancelled reminder cannot be changed, snoozed or acknowledged.',
  },
});

/** A field-level 422 (the same shape as DTO validation failures). */
export function invalidField(field: string, message: string): Error {
  return CommonProblems.validationFailed('One or more fields are invalid.', {
    errors: [{ field, message: `${field} ${message}` }],
  });
}

export function scheduleProblem(error: unknown): Error {
  if (error instanceof ScheduleError) return invalidField(error.field, error.message);
  return error as Error;
}
