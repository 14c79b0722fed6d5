import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length, Matches } from 'class-validator';
import { RequiredText, Trim } from '../../common/validation.js';
import { Absent } from '../../common/validators.js';

export const LABEL_NAME_MAX = 50;
const COLOR = /^#[0-9a-f]{6}$/;
const lowerCase = () =>
  Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value));

export class CreateLabelDto {
  @RequiredText(LABEL_NAME_MAX, 'bug')
  name: string;

  @ApiProperty({ example: '#d73a4a', description: '`#rrggbb` (stored lower-case).' })
  @lowerCase()
  @IsString()
  @Matches(COLOR, { message: 'color must be #rrggbb' })
  color: string;
}

export class UpdateLabelDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: LABEL_NAME_MAX })
  @Absent()
  @Trim()
  @IsString()
  @Length(1, LABEL_NAME_MAX)
  name?: string;

  @ApiPropertyOptional({ example: '#0e8a16' })
  @Absent()
  @lowerCase()
  @IsString()
  @Matches(COLOR, { message: 'color must be #rrggbb' })
  color?: string;
}

export class LabelResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) boardId: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: '#d73a4a' }) color: string;
  @ApiProperty({ type: 'integer' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
