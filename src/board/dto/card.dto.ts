import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { RequiredText, Trim } from '../../common/validation.js';
import {
  CARD_DESCRIPTION_MAX_BYTES,
  CARD_TITLE_MAX,
  REMIND_BEFORE_MAX,
} from '../entities/card.entity.js';
import {
  Absent,
  LowerCaseIds,
  IsInstant,
  MaxUtf8Bytes,
  Nullable,
  QueryBoolean,
  IsIsoDuration,
} from '../../common/validators.js';

export const MAX_LABELS_PER_CARD = 20;
export const MAX_ASSIGNEES_PER_CARD = 20;
export const MAX_CHECKLIST_ITEMS = 100;
export const CHECKLIST_TEXT_MAX = 500;
export const SEARCH_TEXT_MAX = 200;
export const PLACEMENTS = ['top', 'bottom'] as const;
export type PlacementEnd = (typeof PLACEMENTS)[number];

export class ChecklistItemDto {
  @RequiredText(CHECKLIST_TEXT_MAX, 'Write the migration')
  text: string;

  @ApiPropertyOptional({ default: false })
  @Absent()
  @IsBoolean()
  done?: boolean;
}

export class ChecklistItemResponseDto {
  @ApiProperty() text: string;
  @ApiProperty() done: boolean;
}

const descriptionProperty = {
  maxLength: CARD_DESCRIPTION_MAX_BYTES,
  description: `Markdown, stored exactly as sent; at most ${CARD_DESCRIPTION_MAX_BYTES} bytes of UTF-8.`,
};

/** Where a card goes in its column; at most one of the three. */
class PlacementFields {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Place the card immediately after this card (of the target column).',
  })
  @Absent()
  @IsUUID()
  @LowerCaseIds()
  afterCardId?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Place the card immediately before this card (of the target column). With `afterCardId` too: right after `afterCardId`, which must come before this one.',
  })
  @Absent()
  @IsUUID()
  @LowerCaseIds()
  beforeCardId?: string;

  @ApiPropertyOptional({
    enum: PLACEMENTS,
    description: 'Top or bottom of the column, when no neighbour is given. Default: bottom.',
  })
  @Absent()
  @IsIn(PLACEMENTS)
  placement?: PlacementEnd;
}

export class CreateCardDto extends PlacementFields {
  @RequiredText(CARD_TITLE_MAX, 'Ship the board module')
  title: string;

  @ApiPropertyOptional(descriptionProperty)
  @Absent()
  @IsString()
  @MaxUtf8Bytes(CARD_DESCRIPTION_MAX_BYTES)
  description?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: "The column; default: the board's first column.",
  })
  @Absent()
  @IsUUID()
  @LowerCaseIds()
  columnId?: string;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: "Labels of the card's board.",
  })
  @Absent()
  @IsArray()
  @ArrayMaxSize(MAX_LABELS_PER_CARD)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  @LowerCaseIds()
  labelIds?: string[];

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'User ids; each must be a member of the workspace.',
  })
  @Absent()
  @IsArray()
  @ArrayMaxSize(MAX_ASSIGNEES_PER_CARD)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  @LowerCaseIds()
  assigneeIds?: string[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '2030-01-31T17:00:00Z',
    description: 'ISO 8601 date (midnight UTC) or date-time with a time zone.',
  })
  @Nullable()
  @IsString()
  @IsInstant()
  dueAt?: string | null;

  @ApiPropertyOptional({
    type: [String],
    maxItems: REMIND_BEFORE_MAX,
    example: ['PT1H', 'P1D'],
    description:
      'ISO 8601 durations before `dueAt` at which reminders fire (kept in step with the card by the reminders module).',
  })
  @Absent()
  @IsArray()
  @ArrayMaxSize(REMIND_BEFORE_MAX)
  @ArrayUnique()
  @IsIsoDuration({ each: true })
  remindBefore?: string[];

  @ApiPropertyOptional({ type: [ChecklistItemDto] })
  @Absent()
  @IsArray()
  @ArrayMaxSize(MAX_CHECKLIST_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => ChecklistItemDto)
  checklist?: ChecklistItemDto[];
}

export class UpdateCardDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: CARD_TITLE_MAX })
  @Absent()
  @Trim()
  @IsString()
  @Length(1, CARD_TITLE_MAX)
  title?: string;

  @ApiPropertyOptional(descriptionProperty)
  @Absent()
  @IsString()
  @MaxUtf8Bytes(CARD_DESCRIPTION_MAX_BYTES)
  description?: string;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Replaces the labels.' })
  @Absent()
  @IsArray()
  @ArrayMaxSize(MAX_LABELS_PER_CARD)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  @LowerCaseIds()
  labelIds?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Replaces the assignees.' })
  @Absent()
  @IsArray()
  @ArrayMaxSize(MAX_ASSIGNEES_PER_CARD)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  @LowerCaseIds()
  assigneeIds?: string[];

  @ApiPropertyOptional({ type: String, nullable: true, description: 'null clears it.' })
  @Nullable()
  @IsString()
  @IsInstant()
  dueAt?: string | null;

  @ApiPropertyOptional({
    type: [String],
    maxItems: REMIND_BEFORE_MAX,
    example: ['PT1H', 'P1D'],
    description:
      'ISO 8601 durations before `dueAt` at which reminders fire (kept in step with the card by the reminders module).',
  })
  @Absent()
  @IsArray()
  @ArrayMaxSize(REMIND_BEFORE_MAX)
  @ArrayUnique()
  @IsIsoDuration({ each: true })
  remindBefore?: string[];

  @ApiPropertyOptional({ type: [ChecklistItemDto], description: 'Replaces the checklist.' })
  @Absent()
  @IsArray()
  @ArrayMaxSize(MAX_CHECKLIST_ITEMS)
  @ValidateNested({ each: true })
  @Type(() => ChecklistItemDto)
  checklist?: ChecklistItemDto[];
}

export class MoveCardDto extends PlacementFields {
  @ApiProperty({ format: 'uuid', description: 'The target column (of the same board).' })
  @IsUUID()
  @LowerCaseIds()
  columnId: string;
}

export class ListCardsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  @LowerCaseIds()
  columnId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  @LowerCaseIds()
  labelId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  @LowerCaseIds()
  assigneeId?: string;

  @ApiPropertyOptional({ description: 'Due strictly before this instant (ISO 8601).' })
  @IsOptional()
  @IsString()
  @IsInstant()
  dueBefore?: string;

  @ApiPropertyOptional({ description: 'Due at or after this instant (ISO 8601).' })
  @IsOptional()
  @IsString()
  @IsInstant()
  dueAfter?: string;

  @ApiPropertyOptional({
    default: false,
    description: '`true`: archived cards only; `false` (default): active cards only.',
  })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  archived?: boolean;

  @ApiPropertyOptional({
    maxLength: SEARCH_TEXT_MAX,
    description: 'Case-insensitive substring of the title or the description.',
  })
  @IsOptional()
  @IsString()
  @Length(1, SEARCH_TEXT_MAX)
  q?: string;
}

class CardFieldsDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) boardId: string;
  @ApiProperty({ format: 'uuid' }) columnId: string;
  @ApiProperty({ description: 'Order key inside the column (sort bytewise).' }) position: string;
  @ApiProperty() title: string;
  @ApiProperty({ type: [String], format: 'uuid' }) labelIds: string[];
  @ApiProperty({ type: [String], format: 'uuid' }) assigneeIds: string[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) dueAt: string | null;
  @ApiProperty() archived: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) archivedAt: string | null;
  @ApiProperty({ format: 'date-time', description: 'When the card entered its current column.' })
  columnEnteredAt: string;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: "When the card first entered the board's done column.",
  })
  doneFirstAt: string | null;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: "When the card last entered the board's done column.",
  })
  doneLastAt: string | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Null when a system actor (an inbound connector) created the card.',
  })
  createdBy: string | null;
  @ApiProperty({ type: 'integer' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class CardResponseDto extends CardFieldsDto {
  @ApiProperty({ description: 'Markdown.' }) description: string;
  @ApiProperty({ type: [String], description: 'ISO 8601 durations before `dueAt`.' })
  remindBefore: string[];
  @ApiProperty({ type: [ChecklistItemResponseDto] }) checklist: ChecklistItemResponseDto[];
}

/** A card in a list: without its description and checklist (GET the card for those). */
export class CardSummaryResponseDto extends CardFieldsDto {
  @ApiProperty() hasDescription: boolean;
  @ApiProperty({ type: 'integer' }) checklistTotal: number;
  @ApiProperty({ type: 'integer' }) checklistDone: number;
}
