import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { Matches, ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';
import { isIsoDuration, isValidTimeZone } from './time-zone.js';

/**
 * The field may be absent, but when present it is validated, null included (`@IsOptional`
 * would let `null` through to a NOT NULL column).
 */
export const Absent = () => ValidateIf((_, value: unknown) => value !== undefined);

/** Absent or null skip validation (null clears the field). */
export const Nullable = () =>
  ValidateIf((_, value: unknown) => value !== undefined && value !== null);

/** At most `max` bytes of UTF-8 (what the CHECK constraint counts). */
export function MaxUtf8Bytes(max: number, options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'maxUtf8Bytes',
      constraints: [max],
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || Buffer.byteLength(value, 'utf8') <= max,
        defaultMessage: () => `must be at most ${max} bytes of UTF-8`,
      },
    },
    options,
  );
}

/**
 * A calendar date (`2030-01-31`, midnight UTC) or a date-time with `Z` or an offset. A
 * date-time without a zone is refused: it would mean the server's local time.
 */
const ISO_INSTANT =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

export function IsInstant() {
  return applyDecorators(
    Matches(ISO_INSTANT, {
      message: '$property must be an ISO 8601 date or date-time with a time zone',
    }),
    ValidateBy({
      name: 'isValidInstant',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || isRealInstant(value),
        defaultMessage: () => 'must be a real date (e.g. not February 30)',
      },
    }),
  );
}

function isRealInstant(value: string): boolean {
  const time = Date.parse(value);
  if (Number.isNaN(time)) return false;
  // Date.parse rolls 2030-02-30 over to March; compare the calendar date written.
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  const check = new Date(Date.UTC(y, m - 1, d));
  return check.getUTCFullYear() === y && check.getUTCMonth() === m - 1 && check.getUTCDate() === d;
}

/** `'true'`/`'false'` in a query string as a boolean; anything else is left to be rejected. */
export const QueryBoolean = () =>
  Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));

/** UUIDs are compared with ids read from the database (lower-case): normalise input. */
export const LowerCaseIds = () =>
  Transform(({ value }) =>
    typeof value === 'string'
      ? value.toLowerCase()
      : Array.isArray(value)
        ? value.map((v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v))
        : value,
  );

/**
 * The fields a request actually sent. (DTO instances carry every declared field, absent ones
 * as `undefined`, which must neither count as a change nor be written.)
 */
export function sentFields<T extends object>(dto: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(dto).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}

/** An IANA time-zone name this runtime knows (`Europe/Berlin`, `UTC`); offsets are refused. */
export function IsTimeZone(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isTimeZone',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isValidTimeZone(value),
        defaultMessage: () => 'must be a known IANA time-zone name such as Europe/Berlin',
      },
    },
    options,
  );
}

/** An ISO 8601 duration (`PT1H`, `P1D`, `P1W`), not negative. */
export function IsIsoDuration(options?: ValidationOptions) {
  return ValidateBy(
    {
      name: 'isIsoDuration',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isIsoDuration(value),
        defaultMessage: () => 'must be an ISO 8601 duration such as PT1H or P1D',
      },
    },
    options,
  );
}
