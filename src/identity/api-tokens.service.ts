import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import type { Page, PageRequest } from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { AccountLog } from '../kernel/account-log.js';
import { Clock } from '../kernel/clock.js';
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

/** 32 random bytes in base64url (43 characters) after the prefix; nothing else is a token. */
const API_TOKEN_SHAPE = /^wd_[A-Za-z0-9_-]{43}$/;
/**
 * Hashes of presented tokens that authenticate nobody (unknown, revoked, expired, or whose
 * user is gone), remembered so that repeating one costs no database round trip. None of these
 * can become valid again (new tokens are random), so the only bound is memory.
 */
const MAX_REFUSED_TOKENS = 10_000;
const REFUSED_TOKEN_TTL_MS = 10 * 60_000;

/** True when `token` has the exact shape of a token this API issues. */
export function isWellFormedApiToken(token: string): boolean {
  return API_TOKEN_SHAPE.test(token);
}

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
  private readonly refused = new Map<string, number>();

  constructor(
    private readonly tx: TransactionHost,
    private readonly accounts: AccountLog,
    private readonly clock: Clock,
  ) {}

  /**
   * Only a signed-in user (an access token) mints API tokens: a token creating tokens could
   * outlive its own revocation through them, and one with fewer scopes could mint more.
   */
  async create(principal: Principal, dto: CreateApiTokenDto): Promise<CreatedApiTokenResponseDto> {
    if (principal.type !== 'user') {
      throw CommonProblems.insufficientScope(
        'API tokens cannot create API tokens; sign in and use an access token.',
      );
    }
    const userId = principal.userId;
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= this.clock.nowMs()) {
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
    return TokenList.fetch(
      this.tx.manager,
      {
        select: `SELECT ${TOKEN_COLUMNS} FROM api_tokens t`,
        where: 't.user_id = $1',
        params: [userId],
        ...page,
      },
      toApiTokenResponse,
    );
  }

  async revoke(userId: string, tokenId: string): Promise<void> {
    await this.tx.run(async (em) => {
      const token = await em.findOneBy(ApiTokenEntity, { id: tokenId, userId });
      if (!token) throw CommonProblems.notFound('No such API token.');
      if (token.revokedAt) return;
      const revokedAt = this.clock.now();
      await em.update(ApiTokenEntity, { id: tokenId, revokedAt: IsNull() }, { revokedAt });
      await this.accounts.record(em, userId, TokenEvents.revoked, tokenId, {
        revokedAt: { from: null, to: revokedAt.toISOString() },
      });
    });
  }

  /** The principal for a presented API token, or null when unknown, expired or revoked. */
  async authenticate(token: string): Promise<Principal | null> {
    const hash = sha256(token);
    const refusedUntil = this.refused.get(hash);
    if (refusedUntil !== undefined && refusedUntil > this.clock.nowMs()) return null;
    const row = await this.tx.manager.findOne(ApiTokenEntity, {
      where: { tokenHash: hash },
      select: {
        id: true,
        userId: true,
        scopes: true,
        expiresAt: true,
        revokedAt: true,
        lastUsedAt: true,
      },
    });
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= this.clock.nowMs())) {
      this.remember(hash);
      return null;
    }
    const now = this.clock.now();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.tx.manager.update(ApiTokenEntity, { id: row.id }, { lastUsedAt: now });
    }
    return { type: 'token', userId: row.userId, tokenId: row.id, scopes: row.scopes };
  }

  private remember(hash: string): void {
    this.refused.delete(hash);
    if (this.refused.size >= MAX_REFUSED_TOKENS) {
      const oldest = this.refused.keys().next().value;
      if (oldest !== undefined) this.refused.delete(oldest);
    }
    this.refused.set(hash, this.clock.nowMs() + REFUSED_TOKEN_TTL_MS);
  }
}
