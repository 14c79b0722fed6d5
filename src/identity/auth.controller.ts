import { Body, Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { principalUserId } from '../common/auth.decorators.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import { AuthService } from './auth.service.js';
import {
  LoginDto,
  RefreshDto,
  RegisterDto,
  RegisterResponseDto,
  TokenPairDto,
  UserResponseDto,
} from './dto/auth.dto.js';

@ApiTags('identity')
@Controller('v1')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Route({
    method: 'POST',
    path: 'auth/register',
    summary: 'Create an account and log in',
    description:
      'Answers with credentials, so Idempotency-Key is ignored: a retry gets 409 email-taken; log in then.',
    success: { type: RegisterResponseDto },
    problems: [400, 409, 413, 415, 422],
    idempotent: false,
    public: true,
  })
  register(@Body() dto: RegisterDto): Promise<RegisterResponseDto> {
    return this.auth.register(dto);
  }

  @Route({
    method: 'POST',
    path: 'auth/login',
    summary: 'Exchange email and password for a token pair',
    success: { status: 200, type: TokenPairDto },
    problems: [400, 401, 422],
    idempotent: false,
    public: true,
  })
  login(@Body() dto: LoginDto): Promise<TokenPairDto> {
    return this.auth.login(dto.email, dto.password);
  }

  @Route({
    method: 'POST',
    path: 'auth/refresh',
    summary: 'Rotate a refresh token into a new token pair (single use)',
    success: { status: 200, type: TokenPairDto },
    problems: [400, 401, 422],
    idempotent: false,
    public: true,
  })
  refresh(@Body() dto: RefreshDto): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken);
  }

  @Route({
    method: 'POST',
    path: 'auth/logout',
    summary: 'End the session of a refresh token (all its rotations)',
    success: { status: 204 },
    problems: [400, 422],
    idempotent: false,
    public: true,
  })
  logout(@Body() dto: RefreshDto): Promise<void> {
    return this.auth.logout(dto.refreshToken);
  }

  @Route({
    method: 'GET',
    path: 'me',
    summary: 'The authenticated user',
    success: { type: UserResponseDto },
  })
  me(@CurrentActor() actor: Actor): Promise<UserResponseDto> {
    return this.auth.me(principalUserId(actor));
  }
}
