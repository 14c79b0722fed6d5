import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { CommonProblems, type FieldError } from './problem.js';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, 'unknown field'),
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** U+0000, or half of a surrogate pair (a JSON `"\ud800"` escape): not text PostgreSQL stores. */
// eslint-disable-next-line no-control-regex -- matching U+0000 is the point
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The first path (`a.b[2]`) under `value` holding a string that cannot be stored, if any. */
function nulPath(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path || 'value' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const found = nulPath(v, Array.isArray(value) ? `${path}[${k}]` : path ? `${path}.${k}` : k);
    if (found) return found;
  }
  return undefined;
}

/**
 * The global pipe. PostgreSQL text cannot hold U+0000 or an unpaired surrogate, so such strings
 * are refused here with a 422 naming the field instead of failing later in the database (or in
 * a validator).
 */
class WorkdeckValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const field = nulPath(value, '');
    // In a path segment it is a malformed URL (400), like any other bad path parameter.
    if (field && metadata.type === 'param') {
      throw CommonProblems.malformedRequest(
        `Path parameter ${metadata.data ?? field} must not contain the NUL character (U+0000).`,
      );
    }
    if (field) {
      // Validators would choke on a lone surrogate too (isEmail throws on one).
      const message = 'must not contain the NUL character (U+0000) or an unpaired surrogate';
      throw CommonProblems.validationFailed(`${field}: ${message}`, {
        errors: [{ field, message }],
      });
    }
    return super.transform(value, metadata);
  }
}

/** One global pipe: unknown fields rejected, types transformed, failures as a 422 problem. */
export const validationPipe = new WorkdeckValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
  stopAtFirstError: false,
  exceptionFactory: (errors) => {
    const list = flatten(errors);
    return CommonProblems.validationFailed(
      list.map((e) => `${e.field}: ${e.message}`).join('; ') || 'Invalid request',
      { errors: list },
    );
  },
});

/** Trims surrounding white space of a string; other values pass through to be rejected. */
export const Trim = () =>
  Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));

/** A required, trimmed, non-empty text field of bounded length (titles, names). */
export function RequiredText(max: number, example?: string) {
  return applyDecorators(
    ApiProperty({ minLength: 1, maxLength: max, example }),
    Trim(),
    IsString(),
    Length(1, max),
  );
}

/** An optional text field stored exactly as sent (bodies, descriptions). */
export function OptionalRawText(max: number, description?: string) {
  return applyDecorators(
    ApiPropertyOptional({ maxLength: max, description }),
    IsOptional(),
    IsString(),
    MaxLength(max),
  );
}

export function OptionalUuid(description?: string) {
  return applyDecorators(
    ApiPropertyOptional({ format: 'uuid', description }),
    IsOptional(),
    IsUUID(),
  );
}
