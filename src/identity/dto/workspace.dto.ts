import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, MaxLength } from 'class-validator';
import { RequiredText } from '../../common/validation.js';
import { Absent, IsTimeZone } from '../../common/validators.js';
import { ROLES, type Role } from '../membership.entity.js';

export class CreateWorkspaceDto {
  @RequiredText(200, 'Platform team')
  name: string;
}

export class UpdateWorkspaceDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @Absent()
  @RequiredText(200)
  name?: string;

  @ApiPropertyOptional({
    description: 'IANA time zone reminders default to.',
    example: 'Europe/Berlin',
  })
  @Absent()
  @IsTimeZone()
  timeZone?: string;
}

export class WorkspaceResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES, description: 'Your role in this workspace.' }) role: Role;
  @ApiProperty({ description: 'Text-search configuration used for notes.', example: 'simple' })
  searchLanguage: string;
  @ApiProperty({ description: 'IANA time zone reminders default to.', example: 'UTC' })
  timeZone: string;
  @ApiProperty({ type: 'integer' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class AddMemberDto {
  @ApiProperty({ example: 'grace@example.com' })
  @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsEmail()
  @MaxLength(320)
  email: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;
}

export class UpdateMemberDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;
}

export class MemberResponseDto {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ type: 'integer' }) version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}
