import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import type { Page, PageRequest } from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { AccountLog } from '../kernel/account-log.js';
import { defineKeyset } from '../kernel/keyset.js';
import { ApiTokenEntity } from './api-token.entity.js';
import { sha256 } from './auth.service.js';
import type {
  ApiTokenResponseDto,
  CreateApiTokenDto,
  CreatedApiTokenResponseDto,
} from './dto/api-token.dto.js';
import { TokenEvents } from './identity.events.js';
import { toApiTokenResponse } from './identity.mappers.js';

export const API_TOKEN_PREFIX = 'wd_';
const API_TOKEN_BYTES = 32;
const SHOWN_PREFIX_LENGTH = 8;
/** last_used_at is written at most this often per token, not on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

type TokenRow = Omit<ApiTokenEntity, 'tokenHash' | 'userId' | 'updatedAt'>;

const TOKEN_COLUMNS = `t.id, t.name, t.token_prefix AS "tokenPrefix", t.scopes,
  t.created_at AS "createdAt", t.expires_at AS "expiresAt", t.last_used_at AS "lastUsedAt",
  t.revoked_at AS "revokedAt"`;

/** Newest first; `(user_id, id)` is the index that serves it. */
const TokenList = defineKeyset<TokenRow>('identity.api_tokens', [
  { column: 't.id', direction: 'DESC', value: (t) => t.id, type: 'uuid' },
]);

/** Personal API tokens: shown once, stored as SHA-256, scoped, revocable. */
@Injectable()
export class ApiTokensService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly accounts: AccountLog,
  ) {}

  async create(userId: string, dto: CreateApiTokenDto): Promise<CreatedApiTokenResponseDto> {
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw CommonProblems.validationFailed('expiresAt must be in the future', {
        errors: [{ field: 'expiresAt', message: 'must be in the future' }],
      });
    }
    const token = API_TOKEN_PREFIX + randomBytes(API_TOKEN_BYTES).toString('base64url');
    return this.tx.run(async (em) => {
      const id = newId();
      await em.insert(ApiTokenEntity, {
        id,
        userId,
        name: dto.name,
        tokenPrefix: token.slice(0, SHOWN_PREFIX_LENGTH),
        tokenHash: sha256(token),
        scopes: dto.scopes,
        expiresAt,
      });
      const saved = await em.findOneByOrFail(ApiTokenEntity, { id });
      await this.accounts.record(em, userId, TokenEvents.created, id, {
        name: { from: null, to: dto.name },
        scopes: { from: null, to: dto.scopes },
      });
      return { ...toApiTokenResponse(saved), token };
    });
  }

  async list(userId: string, page: PageRequest): Promise<Page<ApiTokenResponseDto>> {
    const limit = TokenList.limit(page.limit);
    const params: unknown[] = [userId];
    const after = TokenList.after(page.cursor, params);
    const rows = (await this.tx.manager.query(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens t
        WHERE t.user_id = $1 AND ${after}
        ORDER BY ${TokenList.orderBy} LIMIT ${limit + 1}`,
      params,
    )) as TokenRow[];
    return TokenList.page(rows, limit, toApiTokenResponse);
  }

  async revoke(userId: string, tokenId: string): Promise<void> {
    await this.tx.run(async (em) => {
      const token = await em.findOneBy(ApiTokenEntity, { id: tokenId, userId });
      if (!token) throw CommonProblems.notFound('No such API token.');
      if (token.revokedAt) return;
      await em.update(
        ApiTokenEntity,
        { id: tokenId, revokedAt: IsNull() },
        { revokedAt: new Date() },
      );
      await this.accounts.record(em, userId, TokenEvents.revoked, tokenId, {
        revokedAt: { from: null, to: new Date().toISOString() },
      });
    });
  }

  /** The principal for a presented API token, or null when unknown, expired or revoked. */
  async authenticate(token: string): Promise<Principal | null> {
    const row = await this.tx.manager.findOne(ApiTokenEntity, {
      where: { tokenHash: sha256(token) },
      select: {
        id: true,
        userId: true,
        scopes: true,
        expiresAt: true,
        revokedAt: true,
        lastUsedAt: true,
      },
    });
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= Date.now()))
      return null;
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.tx.manager.update(ApiTokenEntity, { id: row.id }, { lastUsedAt: new Date() });
    }
    return { type: 'token', userId: row.userId, tokenId: row.id, scopes: row.scopes };
  }
}
