import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { RequiredText } from '../../common/validation.js';
import { Absent, IsInstant, IsTimeZone, LowerCaseIds, Nullable } from '../../common/validators.js';
import {
  CRON_MAX,
  REMINDER_NOTE_MAX,
  REMINDER_TITLE_MAX,
  RRULE_MAX,
} from '../entities/reminder.entity.js';
import { CATCH_UP_POLICIES, type CatchUpPolicy } from '../recurrence.js';

export const REMINDER_STATES = ['active', 'done', 'cancelled'] as const;
export const RECIPIENTS_MAX = 50;
const DTSTART_DOC =
  'Local wall time in `timeZone`, `YYYY-MM-DDTHH:mm:ss`, no offset (with `rrule`).';
const SCHEDULE_DOC = 'Exactly one schedule: `remindAt`, `rrule` (+ `dtstart`) or `cron`.';

export class CreateReminderDto {
  @RequiredText(REMINDER_TITLE_MAX, 'Renew the TLS certificate')
  title: string;

  @ApiPropertyOptional({ maxLength: REMINDER_NOTE_MAX, nullable: true })
  @Absent()
  @Nullable()
  @IsString()
  @MaxLength(REMINDER_NOTE_MAX)
  note?: string | null;

  @ApiPropertyOptional({ format: 'date-time', description: `One-off instant. ${SCHEDULE_DOC}` })
  @IsOptional()
  @IsString()
  @IsInstant()
  remindAt?: string;

  @ApiPropertyOptional({
    maxLength: RRULE_MAX,
    example: 'FREQ=WEEKLY;BYDAY=MO,WE',
    description: `RFC 5545 RRULE text without the \`RRULE:\` prefix. ${SCHEDULE_DOC}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(RRULE_MAX)
  rrule?: string;

  @ApiPropertyOptional({ example: '2030-01-07T09:00:00', description: DTSTART_DOC })
  @IsOptional()
  @IsString()
  dtstart?: string;

  @ApiPropertyOptional({
    maxLength: CRON_MAX,
    example: '0 9 * * 1-5',
    description: `5-field cron (minute hour day month weekday), in \`timeZone\`. ${SCHEDULE_DOC}`,
  })
  @IsOptional()
  @IsString()
  @MaxLength(CRON_MAX)
  cron?: string;

  @ApiPropertyOptional({
    example: 'Europe/Berlin',
    description: "IANA zone; default the workspace's `timeZone`.",
  })
  @IsOptional()
  @IsTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A card of the same workspace.' })
  @IsOptional()
  @LowerCaseIds()
  @IsUUID()
  cardId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'A note of the same workspace.' })
  @IsOptional()
  @LowerCaseIds()
  @IsUUID()
  noteId?: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'Workspace members; default: you.',
  })
  @IsOptional()
  @LowerCaseIds()
  @IsArray()
  @ArrayMaxSize(RECIPIENTS_MAX)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  recipientIds?: string[];

  @ApiPropertyOptional({ enum: CATCH_UP_POLICIES, default: 'fire_once' })
  @IsOptional()
  @IsIn(CATCH_UP_POLICIES)
  catchUp?: CatchUpPolicy;
}

/** Every field optional; a schedule sent replaces the schedule (exactly one kind again). */
export class UpdateReminderDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: REMINDER_TITLE_MAX })
  @Absent()
  @RequiredText(REMINDER_TITLE_MAX)
  title?: string;

  @ApiPropertyOptional({ maxLength: REMINDER_NOTE_MAX, nullable: true })
  @Absent()
  @Nullable()
  @IsString()
  @MaxLength(REMINDER_NOTE_MAX)
  note?: string | null;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsString()
  @IsInstant()
  remindAt?: string;

  @ApiPropertyOptional({ maxLength: RRULE_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(RRULE_MAX)
  rrule?: string;

  @ApiPropertyOptional({ description: DTSTART_DOC })
  @IsOptional()
  @IsString()
  dtstart?: string;

  @ApiPropertyOptional({ maxLength: CRON_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(CRON_MAX)
  cron?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({ enum: CATCH_UP_POLICIES })
  @IsOptional()
  @IsIn(CATCH_UP_POLICIES)
  catchUp?: CatchUpPolicy;

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @LowerCaseIds()
  @IsArray()
  @ArrayMaxSize(RECIPIENTS_MAX)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  recipientIds?: string[];
}

export class SnoozeReminderDto {
  @ApiProperty({
    format: 'date-time',
    description: 'When the snoozed occurrence fires again (future).',
  })
  @IsString()
  @IsInstant()
  until: string;
}

export class ListRemindersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Reminders of this card or note.' })
  @IsOptional()
  @LowerCaseIds()
  @IsUUID()
  targetId?: string;

  @ApiPropertyOptional({ enum: REMINDER_STATES })
  @IsOptional()
  @IsIn(REMINDER_STATES)
  state?: (typeof REMINDER_STATES)[number];

  @ApiPropertyOptional({ format: 'date-time', description: 'Next occurrence before (exclusive).' })
  @IsOptional()
  @IsInstant()
  nextBefore?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Next occurrence at or after.' })
  @IsOptional()
  @IsInstant()
  nextAfter?: string;
}

export class ReminderResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) workspaceId: string;
  @ApiProperty() title: string;
  @ApiProperty({ nullable: true, type: String }) note: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) remindAt: string | null;
  @ApiProperty({ nullable: true, type: String }) rrule: string | null;
  @ApiProperty({ nullable: true, type: String }) dtstart: string | null;
  @ApiProperty({ nullable: true, type: String }) cron: string | null;
  @ApiProperty() timeZone: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) cardId: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) noteId: string | null;
  @ApiProperty({ type: [String], format: 'uuid' }) recipientIds: string[];
  @ApiProperty({ enum: CATCH_UP_POLICIES }) catchUp: string;
  @ApiProperty({ enum: REMINDER_STATES }) state: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) nextFireAt: string | null;
  @ApiProperty({ type: [String], format: 'date-time', description: 'The next 5 occurrences.' })
  nextOccurrences: string[];
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'Pending snooze.',
  })
  snoozedUntil: string | null;
  @ApiProperty({ type: 'integer' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class OccurrenceResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) scheduledFor: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) firedAt: string | null;
  @ApiProperty() late: boolean;
  @ApiProperty() skipped: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) snoozedUntil: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) acknowledgedAt: string | null;
}

export class UpcomingReminderDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) workspaceId: string;
  @ApiProperty() title: string;
  @ApiProperty({ format: 'date-time' }) nextFireAt: string;
}
