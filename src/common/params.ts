import { Param, ParseUUIDPipe } from '@nestjs/common';
import { CommonProblems } from './problem.js';

/** A path parameter that must be a UUID; anything else is a malformed request (400). */
export const UuidParam = (name: string) =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        CommonProblems.malformedRequest(`Path parameter ${name} must be a UUID.`),
    }),
  );
