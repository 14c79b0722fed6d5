import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, principalUserId } from '../common/auth.decorators.js';
import { SkipIdempotency } from '../common/idempotency.interceptor.js';
import { ApiAuth, ApiProblems } from '../common/openapi.js';
import { ApiPage, PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import type { Principal } from '../common/request-context.js';
import { ApiTokensService } from './api-tokens.service.js';
import {
  ApiTokenResponseDto,
  CreateApiTokenDto,
  CreatedApiTokenResponseDto,
} from './dto/api-token.dto.js';

@ApiTags('identity')
@ApiAuth()
@Controller('v1/me/tokens')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Post()
  @SkipIdempotency()
  @ApiOperation({
    summary: 'Create a personal API token (the token is shown only here)',
    description:
      'Needs an access token (a signed-in user): an API token cannot create API tokens (403 `insufficient-scope`). Answers with a credential, so Idempotency-Key is ignored: it is never stored to be replayed.',
  })
  @ApiCreatedResponse({ type: CreatedApiTokenResponseDto })
  @ApiProblems(400, 403, 422)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateApiTokenDto,
  ): Promise<CreatedApiTokenResponseDto> {
    return this.tokens.create(principal, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List my API tokens (newest first; never the tokens themselves)' })
  @ApiPage(ApiTokenResponseDto)
  @ApiProblems(400, 422)
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() page: PageQueryDto,
  ): Promise<Page<ApiTokenResponseDto>> {
    return this.tokens.list(principalUserId(principal), page);
  }

  @Delete(':tokenId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke an API token' })
  @ApiNoContentResponse()
  @ApiProblems(400, 403, 404)
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @UuidParam('tokenId') tokenId: string,
  ): Promise<void> {
    await this.tokens.revoke(principalUserId(principal), tokenId);
  }
}
