import { Body, Controller, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { principalUserId } from '../common/auth.decorators.js';
import { PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import { ApiTokensService } from './api-tokens.service.js';
import {
  ApiTokenResponseDto,
  CreateApiTokenDto,
  CreatedApiTokenResponseDto,
} from './dto/api-token.dto.js';

@ApiTags('identity')
@Controller('v1')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Route({
    method: 'POST',
    path: 'me/tokens',
    summary: 'Create a personal API token (the token is shown only here)',
    description:
      'Needs an access token (a signed-in user): an API token cannot create API tokens (403 `insufficient-scope`). Answers with a credential, so Idempotency-Key is ignored: it is never stored to be replayed.',
    success: { type: CreatedApiTokenResponseDto },
    problems: [400, 403, 422],
    idempotent: false,
  })
  create(
    @CurrentActor() actor: Actor,
    @Body() dto: CreateApiTokenDto,
  ): Promise<CreatedApiTokenResponseDto> {
    return this.tokens.create(actor, dto);
  }

  @Route({
    method: 'GET',
    path: 'me/tokens',
    summary: 'List my API tokens (newest first; never the tokens themselves)',
    success: { type: ApiTokenResponseDto },
    page: true,
    problems: [400, 422],
  })
  list(
    @CurrentActor() actor: Actor,
    @Query() page: PageQueryDto,
  ): Promise<Page<ApiTokenResponseDto>> {
    return this.tokens.list(principalUserId(actor), page);
  }

  @Route({
    method: 'DELETE',
    path: 'me/tokens/:tokenId',
    summary: 'Revoke an API token',
    success: { status: 204 },
    problems: [400, 403, 404],
  })
  revoke(@CurrentActor() actor: Actor, @UuidParam('tokenId') tokenId: string): Promise<void> {
    return this.tokens.revoke(principalUserId(actor), tokenId);
  }
}
