import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { OptionalRawText, RequiredText, Trim } from '../../common/validation.js';
import {
  CONNECTOR_DESCRIPTION_MAX,
  CONNECTOR_MAX_EVENTS,
  CONNECTOR_NAME_MAX,
  CONNECTOR_URL_MAX,
  DELIVERY_STATUSES,
  EVENT_PATTERN_MAX,
  type DeliveryStatus,
} from '../connector.constants.js';
import { INBOUND_VERIFIERS } from '../inbound-verifiers.js';
import { MAPPING_MAX_LENGTH } from '../inbound-mapping.js';
import { INBOUND_TARGETS } from '../types/inbound.connector-type.js';

export class MappingDto {
  @ApiProperty({ enum: INBOUND_TARGETS, description: 'What each inbound event creates.' })
  @IsIn(INBOUND_TARGETS)
  target: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'card target: the board.' })
  @IsOptional()
  @IsUUID()
  boardId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'card target: the column.' })
  @IsOptional()
  @IsUUID()
  columnId?: string;

  @ApiProperty({
    maxLength: MAPPING_MAX_LENGTH,
    description:
      'JSONata over the parsed JSON body, yielding the create body of the target (e.g. `{"title": pull_request.title}`). `$eval`, `$toMillis` and regular expressions are not allowed; evaluation is bounded in time and depth.',
    example: '{"title": "PR: " & pull_request.title}',
  })
  @IsString()
  @Length(1, MAPPING_MAX_LENGTH)
  expression: string;
}

/** Fields shared by create and update; which apply depends on `kind`. */
class ConnectorFieldsDto {
  @OptionalRawText(CONNECTOR_DESCRIPTION_MAX)
  description?: string | null;

  @ApiPropertyOptional({
    maxLength: CONNECTOR_URL_MAX,
    description:
      'Outbound kinds: the target. https (http only with WEBHOOK_ALLOW_PRIVATE_TARGETS); private, loopback, link-local, CGNAT, metadata and other non-public addresses are refused (422) unless allowed by configuration.',
    example: 'https://example.com/hooks/workdeck',
  })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(CONNECTOR_URL_MAX)
  url?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: CONNECTOR_MAX_EVENTS,
    description:
      'Outbound kinds: deliverable event actions (`card.created`) or prefixes (`card.*`) from the event catalogue; unknown names are 422.',
    example: ['card.*', 'note.created'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(CONNECTOR_MAX_EVENTS)
  @IsString({ each: true })
  @MaxLength(EVENT_PATTERN_MAX, { each: true })
  events?: string[];

  @ApiPropertyOptional({
    enum: INBOUND_VERIFIERS,
    default: 'standard',
    description: 'Inbound: how requests are signed.',
  })
  @IsOptional()
  @IsIn(INBOUND_VERIFIERS)
  verifier?: string;

  @ApiPropertyOptional({ type: MappingDto, description: 'Inbound: what each event becomes.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => MappingDto)
  mapping?: MappingDto;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class CreateConnectorDto extends ConnectorFieldsDto {
  @RequiredText(CONNECTOR_NAME_MAX, 'Deploy notifications')
  name: string;

  @ApiProperty({
    example: 'webhook',
    description: 'A registered connector type: `webhook`, `inbound` or `chat`.',
  })
  @IsString()
  @Length(1, 32)
  kind: string;
}

export class UpdateConnectorDto extends ConnectorFieldsDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: CONNECTOR_NAME_MAX })
  @IsOptional()
  @Trim()
  @IsString()
  @Length(1, CONNECTOR_NAME_MAX)
  name?: string;
}

export class ConnectorHealthDto {
  @ApiProperty({ enum: ['closed', 'open', 'half_open', 'disabled'] }) state: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastSuccessAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastFailureAt: string | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Successful attempts / attempts over 24 h; null without attempts.',
  })
  successRate24h: number | null;
  @ApiProperty({ type: 'integer' }) deadDeliveries: number;
}

export class ConnectorResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) workspaceId: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ example: 'webhook' }) kind: string;
  @ApiProperty() enabled: boolean;
  @ApiPropertyOptional({ type: String, description: 'Outbound kinds.' }) url?: string | null;
  @ApiPropertyOptional({ type: [String], description: 'Outbound kinds.' }) events?: string[];
  @ApiPropertyOptional({ enum: INBOUND_VERIFIERS, description: 'Inbound.' }) verifier?: string;
  @ApiPropertyOptional({ type: MappingDto, description: 'Inbound.' }) mapping?: MappingDto;
  @ApiPropertyOptional({ description: 'Inbound: where the sender posts (`/v1/hooks/{id}`).' })
  hookPath?: string;
  @ApiProperty({ type: ConnectorHealthDto }) health: ConnectorHealthDto;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Until when the previous secret still signs (after a rotation).',
  })
  previousSecretExpiresAt: string | null;
  @ApiProperty({ type: 'integer' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ConnectorWithSecretDto extends ConnectorResponseDto {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description: 'Shown only in this response; store it now.',
  })
  secret: string;
}

export class ReplayDto {
  @ApiProperty({ format: 'date-time', description: 'Inclusive.' })
  @IsISO8601({ strict: true })
  from: string;

  @ApiProperty({ format: 'date-time', description: 'Exclusive.' })
  @IsISO8601({ strict: true })
  to: string;
}

export class ReplayResponseDto {
  @ApiProperty({ type: 'integer', description: 'Events queued for delivery again.' })
  count: number;
}

export class ListDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}

export class DeliveryResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) connectorId: string;
  @ApiProperty({ format: 'uuid', description: 'The `webhook-id` of every attempt.' })
  eventId: string;
  @ApiProperty({ example: 'card.created' }) eventType: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status: string;
  @ApiProperty({ type: 'integer' }) attemptCount: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) nextAttemptAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class DeliveryAttemptDto {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ type: 'integer', nullable: true }) statusCode: number | null;
  @ApiProperty({ type: 'integer' }) latencyMs: number;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: [
      'http_error',
      'rate_limited',
      'gone',
      'redirect',
      'timeout',
      'connection',
      'dns',
      'ssrf_blocked',
    ],
  })
  errorClass: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The first 16 KB.' }) responseBody:
    string | null;
}

export class DeliveryDetailDto extends DeliveryResponseDto {
  @ApiProperty({ type: [DeliveryAttemptDto] }) attempts: DeliveryAttemptDto[];
}

export class InboundEventResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) connectorId: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The sender's delivery id (replay key).",
  })
  deliveryId: string | null;
  @ApiProperty({ format: 'date-time' }) receivedAt: string;
  @ApiProperty() verified: boolean;
  @ApiProperty({ enum: ['created', 'failed', 'rejected', 'skipped'] }) result: string;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ type: String, nullable: true }) entityType: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) entityId: string | null;
}

export class InboundAcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'The stored inbound event.' }) eventId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) entityId: string | null;
}
