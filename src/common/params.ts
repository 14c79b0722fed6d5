import { Param, ParseUUIDPipe, type PipeTransform } from '@nestjs/common';
import { CommonProblems } from './problem.js';

/**
 * UUIDs are case-insensitive on the way in but lower-case everywhere inside (the database's
 * text comparisons, audit chain keys, cache keys): `0190A4C2-...` and `0190a4c2-...` name the
 * same resource.
 */
const toLowerCase: PipeTransform<string, string> = { transform: (value) => value.toLowerCase() };

/** A path parameter that must be a UUID (else 400), handed on in lower case. */
export const UuidParam = (name: string) =>
  Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        CommonProblems.malformedRequest(`Path parameter ${name} must be a UUID.`),
    }),
    toLowerCase,
  );
