import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { OptionalUuid } from '../../common/validation.js';
import { ACTOR_TYPES, type ActorType } from '../audit-event.entity.js';
import { ENTITY_TYPE_PATTERN } from '../audit.service.js';

/** `card.created` (exact) or `card.*` (every action starting with `card.`). */
export const ACTION_FILTER_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.(\*|[a-z][a-z0-9_]*)$/;
/** A calendar date (UTC midnight) or a date-time with `Z` or an explicit offset. */
const TIMESTAMP_PATTERN =
  /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

function OptionalTimestamp(description: string) {
  return applyDecorators(
    ApiPropertyOptional({ format: 'date-time', description, example: '2025-01-31T00:00:00Z' }),
    IsOptional(),
    IsString(),
    Matches(TIMESTAMP_PATTERN, {
      message: '$property must be an ISO 8601 date or date-time with Z or an offset',
    }),
    IsISO8601({ strict: true }, { message: '$property must be a valid ISO 8601 timestamp' }),
  );
}

/** `?from=&to=`: occurred_at in [from, to). */
export class AuditTimeRangeQueryDto {
  @OptionalTimestamp('Only events that occurred at or after this instant (inclusive).')
  from?: string;

  @OptionalTimestamp('Only events that occurred before this instant (exclusive).')
  to?: string;
}

export class ListAuditEventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: 'Only events by this actor: a user id, an API token id, or a system name.',
    maxLength: 100,
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  actorId?: string;

  @ApiPropertyOptional({
    description: 'An exact action (`card.created`) or a prefix ending in `.*` (`card.*`).',
    maxLength: 100,
    example: 'member.*',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(ACTION_FILTER_PATTERN, {
    message: 'action must be like card.created or card.* (lowercase, dot-separated)',
  })
  action?: string;

  @ApiPropertyOptional({ maxLength: 50, example: 'member' })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  @Matches(ENTITY_TYPE_PATTERN, { message: 'entityType must be lowercase snake_case' })
  entityType?: string;

  @OptionalUuid('Only events about this entity.')
  entityId?: string;

  @OptionalTimestamp('Only events that occurred at or after this instant (inclusive).')
  from?: string;

  @OptionalTimestamp('Only events that occurred before this instant (exclusive).')
  to?: string;
}

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export class ExportAuditEventsQueryDto extends AuditTimeRangeQueryDto {
  @ApiPropertyOptional({ enum: EXPORT_FORMATS, default: 'ndjson' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format?: ExportFormat;
}

export class AuditActorDto {
  @ApiProperty({ enum: ACTOR_TYPES })
  type: ActorType;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'User id, API token id, or the system component (`auth`, `scheduler`, ...).',
  })
  id: string | null;
}

export class AuditEventResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'Null for account-level events (sign-ins, API tokens).',
  })
  workspaceId: string | null;

  @ApiProperty({
    description: 'The hash chain: `ws:<workspaceId>`, or `user:<userId>` for account events.',
    example: 'ws:0190a4c2-7b1e-7cc3-9d2e-3f1f0b6f2a10',
  })
  chainKey: string;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    description:
      'Position in the chain: 1, 2, 3, ... without gaps, in commit order. A JSON number (a ' +
      'bigint in the database; exact up to 2^53-1). The hash covers it as a decimal string.',
  })
  seq: number;

  @ApiProperty({ type: AuditActorDto }) actor: AuditActorDto;

  @ApiProperty({ example: 'member.role_changed', description: '`<entity>.<verb>`' })
  action: string;

  @ApiProperty({ example: 'member' }) entityType: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true }) entityId: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { from: {}, to: {} },
    },
    example: { role: { from: 'member', to: 'admin' } },
    description: 'The changed fields only; secrets never appear (redacted).',
  })
  changes: Record<string, { from: unknown; to: unknown }>;

  @ApiProperty({ type: String, nullable: true }) requestId: string | null;
  @ApiProperty({ type: String, nullable: true }) ip: string | null;
  @ApiProperty({ type: String, nullable: true }) userAgent: string | null;

  @ApiProperty({
    format: 'date-time',
    description:
      'ISO 8601 UTC with milliseconds; never earlier than the previous event of the chain.',
  })
  occurredAt: string;

  @ApiProperty({ description: 'The previous event’s hash (64 zeros for seq 1).' })
  prevHash: string;

  @ApiProperty({ description: 'SHA-256 (hex) of prevHash + canonical JSON of the event.' })
  hash: string;
}

export class AuditVerificationDto {
  @ApiProperty({ description: 'True when the whole chain up to its tip is intact.' })
  ok: boolean;

  @ApiProperty({ type: 'integer', description: 'How many events, from seq 1, were found intact.' })
  checked: number;

  @ApiPropertyOptional({
    type: 'integer',
    description: 'The first seq that is missing, altered or not linked to its predecessor.',
  })
  firstBrokenSeq?: number;
}
