import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { RequiredText, Trim } from '../../common/validation.js';
import { Absent, QueryBoolean } from '../../common/validators.js';

export const BOARD_NAME_MAX = 200;
export const BOARD_DESCRIPTION_MAX = 10_000;

export class CreateBoardDto {
  @RequiredText(BOARD_NAME_MAX, 'Platform roadmap')
  name: string;

  @ApiPropertyOptional({
    maxLength: BOARD_DESCRIPTION_MAX,
    description: 'Markdown, stored as sent.',
  })
  @Absent()
  @IsString()
  @MaxLength(BOARD_DESCRIPTION_MAX)
  description?: string;

  @ApiPropertyOptional({
    default: true,
    description:
      'Create the columns "To do", "Doing" and "Done" (the done column). `false`: no columns.',
  })
  @Absent()
  @IsBoolean()
  defaultColumns?: boolean;
}

export class UpdateBoardDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: BOARD_NAME_MAX })
  @Absent()
  @Trim()
  @IsString()
  @Length(1, BOARD_NAME_MAX)
  name?: string;

  @ApiPropertyOptional({
    maxLength: BOARD_DESCRIPTION_MAX,
    description: 'Markdown, stored as sent.',
  })
  @Absent()
  @IsString()
  @MaxLength(BOARD_DESCRIPTION_MAX)
  description?: string;
}

export class ListBoardsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    default: false,
    description: '`true`: archived boards only; `false` (default): active boards only.',
  })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean()
  archived?: boolean;
}

export class BoardResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) workspaceId: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Markdown.' }) description: string;
  @ApiProperty() archived: boolean;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) archivedAt: string | null;
  @ApiProperty({ format: 'uuid' }) createdBy: string;
  @ApiProperty({ type: 'integer' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
