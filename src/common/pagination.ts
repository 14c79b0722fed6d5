import { createHmac, timingSafeEqual } from 'node:crypto';
import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  getSchemaPath,
} from '@nestjs/swagger';
import { Type as ToType } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CommonProblems } from './problem.js';
import { RequestContext } from './request-context.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
const CURSOR_MAC_BYTES = 12;
const MAX_CURSOR_LENGTH = 1024;

/** `?limit=&cursor=` on every list. */
export class PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
  })
  @IsOptional()
  @ToType(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from `nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CURSOR_LENGTH)
  cursor?: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export type CursorValues = Array<string | number | boolean | null>;

/**
 * What a cursor is bound to: the route it was issued on (from the request context) and the
 * sort keys of the list. A cursor of one list sent to another is refused (400) instead of
 * being misread as a position in it.
 */
export function listBinding(keys: ReadonlyArray<{ column: string; direction: string }>): string {
  const route = RequestContext.current()?.route ?? '';
  return `${route}|${keys.map((k) => `${k.column} ${k.direction}`).join(',')}`;
}

/**
 * Opaque keyset cursors: the sort-key values of the last row, base64url JSON, with an HMAC
 * over the payload and the list's binding (see `listBinding`), so that a cursor this API did
 * not issue, or issued for another list, is refused (400) instead of silently misread.
 */
export class CursorCodec {
  constructor(private readonly key: string) {}

  encode(values: CursorValues, binding: string): string {
    const payload = Buffer.from(JSON.stringify(values)).toString('base64url');
    return `${payload}.${this.mac(binding, payload)}`;
  }

  decode(cursor: string, arity: number, binding: string): CursorValues {
    const [payload, mac] = cursor.split('.');
    const expected = payload ? this.mac(binding, payload) : '';
    if (
      !payload ||
      !mac ||
      mac.length !== expected.length ||
      !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))
    ) {
      throw CommonProblems.invalidCursor();
    }
    try {
      const values: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      if (Array.isArray(values) && values.length === arity) return values as CursorValues;
    } catch {
      // fall through: a cursor of another list, or of an older shape
    }
    throw CommonProblems.invalidCursor();
  }

  private mac(binding: string, payload: string): string {
    return createHmac('sha256', this.key)
      .update(binding)
      .update('\n')
      .update(payload)
      .digest()
      .subarray(0, CURSOR_MAC_BYTES)
      .toString('base64url');
  }
}

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

/** Swagger: `{ data: Item[], nextCursor }` for a list route. */
export function ApiPage<T extends Type<unknown>>(item: T, description?: string) {
  return applyDecorators(
    ApiExtraModels(item),
    ApiOkResponse({
      description,
      schema: {
        type: 'object',
        required: ['data', 'nextCursor'],
        properties: {
          data: { type: 'array', items: { $ref: getSchemaPath(item) } },
          nextCursor: {
            type: 'string',
            nullable: true,
            description: 'Pass as `cursor` for the next page; null on the last page.',
          },
        },
      },
    }),
  );
}

export class PageMetaDto {
  @ApiProperty({ nullable: true, type: String })
  nextCursor: string | null;
}
