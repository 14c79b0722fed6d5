import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, principalUserId, Public } from '../common/auth.decorators.js';
import { SkipIdempotency } from '../common/idempotency.interceptor.js';
import { ApiAuth, ApiProblems } from '../common/openapi.js';
import type { Principal } from '../common/request-context.js';
import { AuthService } from './auth.service.js';
import {
  LoginDto,
  RefreshDto,
  RegisterDto,
  RegisterResponseDto,
  TokenPairDto,
  UserResponseDto,
} from './dto/auth.dto.js';
import { toUserResponse } from './identity.mappers.js';

@ApiTags('identity')
@Controller('v1')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @SkipIdempotency()
  @Post('auth/register')
  @ApiOperation({
    summary: 'Create an account and log in',
    description:
      'Answers with credentials, so Idempotency-Key is ignored: a retry gets 409 email-taken; log in then.',
  })
  @ApiCreatedResponse({ type: RegisterResponseDto })
  @ApiProblems(400, 409, 413, 415, 422)
  register(@Body() dto: RegisterDto): Promise<RegisterResponseDto> {
    return this.auth.register(dto);
  }

  @Public()
  @SkipIdempotency()
  @Post('auth/login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Exchange email and password for a token pair' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(400, 401, 422)
  login(@Body() dto: LoginDto): Promise<TokenPairDto> {
    return this.auth.login(dto.email, dto.password);
  }

  @Public()
  @SkipIdempotency()
  @Post('auth/refresh')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Rotate a refresh token into a new token pair (single use)' })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblems(400, 401, 422)
  refresh(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  @Public()
  @SkipIdempotency()
  @Post('auth/logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'End the session of a refresh token (all its rotations)' })
  @ApiNoContentResponse()
  @ApiProblems(400, 422)
  async logout(@Body() dto: RefreshDto): Promise<void> {
    await this.auth.logout(dto.refreshToken);
  }

  @Get('me')
  @ApiAuth()
  @ApiOperation({ summary: 'The authenticated user' })
  @ApiOkResponse({ type: UserResponseDto })
  async me(@CurrentPrincipal() principal: Principal): Promise<UserResponseDto> {
    return toUserResponse(await this.auth.me(principalUserId(principal)));
  }
}
