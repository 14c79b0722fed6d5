import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { RequiredText } from '../../common/validation.js';

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

const lowerTrim = () =>
  Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() : value));

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 320 })
  @lowerTrim()
  @IsEmail()
  @MaxLength(320)
  email: string;

  @ApiProperty({
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
    example: 'correct horse battery',
  })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  password: string;

  @RequiredText(200, 'Ada Lovelace')
  name: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @lowerTrim()
  @IsEmail()
  @MaxLength(320)
  email: string;

  @ApiProperty()
  @IsString()
  @Length(1, PASSWORD_MAX)
  password: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from login, register or the previous refresh.' })
  @IsString()
  @Length(1, 512)
  refreshToken: string;
}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class TokenPairDto {
  @ApiProperty({ description: 'JWT access token; send as `Authorization: Bearer ...`.' })
  accessToken: string;
  @ApiProperty({ description: 'Opaque, single use: exchange at /v1/auth/refresh for a new pair.' })
  refreshToken: string;
  @ApiProperty({ type: 'integer', description: 'Access token lifetime in seconds.', example: 900 })
  expiresIn: number;
}

export class RegisterResponseDto extends TokenPairDto {
  @ApiProperty({ type: UserResponseDto }) user: UserResponseDto;
}
