import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDateString,
  IsIn,
  IsOptional,
} from 'class-validator';
import { API_TOKEN_SCOPES, type ApiTokenScope } from '../../common/request-context.js';
import { RequiredText } from '../../common/validation.js';

export class CreateApiTokenDto {
  @RequiredText(100, 'CI deploy bot')
  name: string;

  @ApiProperty({ enum: API_TOKEN_SCOPES, isArray: true, example: ['read'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_TOKEN_SCOPES.length)
  @ArrayUnique()
  @IsIn(API_TOKEN_SCOPES, { each: true })
  scopes: ApiTokenScope[];

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'When the token stops working; never when absent.',
  })
  @IsOptional()
  @IsDateString({ strict: true })
  expiresAt?: string;
}

export class ApiTokenResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({
    description: 'The first characters of the token, to recognise it.',
    example: 'wd_Ab3dE',
  })
  tokenPrefix: string;
  @ApiProperty({ enum: API_TOKEN_SCOPES, isArray: true }) scopes: ApiTokenScope[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastUsedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revokedAt: string | null;
}

export class CreatedApiTokenResponseDto extends ApiTokenResponseDto {
  @ApiProperty({
    description: 'The token itself. Shown only in this response; store it now.',
    example: 'wd_...',
  })
  token: string;
}
