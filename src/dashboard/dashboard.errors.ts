import { HttpStatus } from '@nestjs/common';
import { defineProblems } from '../common/problem.js';

/** The dashboard module's error kinds (documented in /openapi.json and the README). */
export const DashboardProblems = defineProblems({
  invalidRange: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'Invalid metrics range',
    description:
      '`from`/`to` must be calendar days (YYYY-MM-DD), `from` not after `to`, at most 366 days apart (inclusive), and `tz` an IANA time zone name.',
  },
});
