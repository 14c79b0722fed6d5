import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { RequiredText, Trim } from '../../common/validation.js';
import { Absent, LowerCaseIds, Nullable } from '../../common/validators.js';

export const COLUMN_NAME_MAX = 200;
export const WIP_LIMIT_MAX = 10_000;

export class CreateColumnDto {
  @RequiredText(COLUMN_NAME_MAX, 'Review')
  name: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: WIP_LIMIT_MAX,
    nullable: true,
    type: Number,
    description: 'At most this many non-archived cards; null or absent: no limit.',
  })
  @Nullable()
  @IsInt()
  @Min(1)
  @Max(WIP_LIMIT_MAX)
  wipLimit?: number | null;

  @ApiPropertyOptional({
    default: false,
    description: "Make this the board's done column (the previous one stops being it).",
  })
  @Absent()
  @IsBoolean()
  isDone?: boolean;

  @ApiPropertyOptional({
    default: false,
    description:
      'Mark as an "in progress" column: on a board with such columns, a card starts (cycle time, work-item age) on its first entry into one of them.',
  })
  @Absent()
  @IsBoolean()
  inProgress?: boolean;

  @ApiPropertyOptional({ format: 'uuid', description: 'Place right after this column.' })
  @Absent()
  @IsUUID()
  @LowerCaseIds()
  afterColumnId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Place right before this column.' })
  @Absent()
  @IsUUID()
  @LowerCaseIds()
  beforeColumnId?: string;
}

export class UpdateColumnDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: COLUMN_NAME_MAX })
  @Absent()
  @Trim()
  @IsString()
  @Length(1, COLUMN_NAME_MAX)
  name?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: WIP_LIMIT_MAX,
    nullable: true,
    type: Number,
    description:
      'Set the WIP limit, or null to clear it. A limit below the current count is allowed: it only blocks new cards.',
  })
  @Nullable()
  @IsInt()
  @Min(1)
  @Max(WIP_LIMIT_MAX)
  wipLimit?: number | null;

  @ApiPropertyOptional({
    description:
      "`true`: make this the board's done column (cards in it get their done times from when they entered it); `false`: no longer the done column.",
  })
  @Absent()
  @IsBoolean()
  isDone?: boolean;

  @ApiPropertyOptional({
    description:
      '`true`: mark as an "in progress" column; `false`: unmark. Applies to cards entering columns from then on: starts already recorded stay.',
  })
  @Absent()
  @IsBoolean()
  inProgress?: boolean;
}

export class MoveColumnDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Place right after this column.' })
  @Absent()
  @IsUUID()
  @LowerCaseIds()
  afterColumnId?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Place right before this column. Neither: last.',
  })
  @Absent()
  @IsUUID()
  @LowerCaseIds()
  beforeColumnId?: string;
}

export class DeleteColumnQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description:
      'Move the cards of the column (archived ones too) to the bottom of this column of the same board, then delete.',
  })
  @Absent()
  @IsUUID()
  @LowerCaseIds()
  moveCardsTo?: string;
}

export class ColumnResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) boardId: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: "Order key among the board's columns (sort bytewise)." })
  position: string;
  @ApiProperty({ nullable: true, type: 'integer' }) wipLimit: number | null;
  @ApiProperty() isDone: boolean;
  @ApiProperty({
    description:
      'An "in progress" column: when the board has any, a card starts on its first entry into one (or into the done column if it skipped them).',
  })
  inProgress: boolean;
  @ApiProperty({ type: 'integer' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
