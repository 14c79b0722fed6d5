import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import { isUniqueViolation } from '../database/pg-errors.js';
import { newId } from '../database/uuid.js';
import { AccountLog } from '../kernel/account-log.js';
import { Clock } from '../kernel/clock.js';
import type { EventType } from '../kernel/events.js';
import type {
  RegisterDto,
  RegisterResponseDto,
  TokenPairDto,
  UserResponseDto,
} from './dto/auth.dto.js';
import { IdentityProblems } from './identity.errors.js';
import { SessionEvents, UserEvents } from './identity.events.js';
import { toUserResponse } from './identity.mappers.js';
import { decoyHash, hashPassword, verifyPassword } from './passwords.js';
import { RefreshTokenEntity } from './refresh-token.entity.js';
import { UserEntity } from './user.entity.js';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const REFRESH_TOKEN_TTL_MS = 30 * 24 * 3600 * 1000;
const REFRESH_TOKEN_BYTES = 32;

export const sha256 = (value: string): string => createHash('sha256').update(value).digest('hex');

export interface AccessClaims {
  sub: string;
  sid: string;
  typ: 'access';
  /** Issued at (seconds), from the kernel `Clock`: `exp` is counted from it. */
  iat?: number;
}

/** A JWT's notion of now: whole seconds of the kernel `Clock`. */
export const jwtSeconds = (clock: Clock): number => Math.floor(clock.nowMs() / 1000);

/** Register, log in, rotate refresh tokens, log out (DESIGN §2). */
@Injectable()
export class AuthService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly jwt: JwtService,
    private readonly accounts: AccountLog,
    private readonly clock: Clock,
  ) {}

  async register(dto: RegisterDto): Promise<RegisterResponseDto> {
    const passwordHash = await hashPassword(dto.password);
    return this.tx.run(async (em) => {
      const taken = await em.exists(UserEntity, { where: { email: dto.email } });
      if (taken) throw IdentityProblems.emailTaken();
      const user = em.create(UserEntity, {
        id: newId(),
        email: dto.email,
        name: dto.name,
        passwordHash,
      });
      await em.insert(UserEntity, user).catch((err: unknown) => {
        // Two registrations racing for one address: the unique index decides.
        throw isUniqueViolation(err, 'ux_users_email') ? IdentityProblems.emailTaken() : err;
      });
      const saved = await em.findOneByOrFail(UserEntity, { id: user.id });
      await this.accounts.record(
        em,
        saved.id,
        UserEvents.registered,
        saved.id,
        { email: { from: null, to: saved.email }, name: { from: null, to: saved.name } },
        { type: 'user', userId: saved.id },
      );
      const pair = await this.startSession(em, saved.id, newId());
      return { user: toUserResponse(saved), ...pair };
    });
  }

  async login(email: string, password: string): Promise<TokenPairDto> {
    const user = await this.tx.manager.findOne(UserEntity, {
      where: { email },
      select: { id: true, passwordHash: true },
    });
    const ok = await verifyPassword(user?.passwordHash ?? (await decoyHash()), password);
    if (!user || !ok) {
      if (user) {
        const recordFailure = async (): Promise<void> => {
          await this.tx.run((em) =>
            this.accounts.record(em, user.id, UserEvents.loginFailed, user.id, undefined, {
              type: 'system',
              name: 'auth',
            }),
          );
        };
        // The attempt fails, and so does a request-wide transaction around it (Idempotency-Key):
        // record the failure after that one rolled back, or it would vanish with it.
        if (this.tx.active) this.tx.afterCompletion(recordFailure);
        else await recordFailure();
      }
      throw IdentityProblems.invalidCredentials();
    }
    return this.tx.run(async (em) => {
      const familyId = newId();
      const pair = await this.startSession(em, user.id, familyId);
      await this.accounts.record(em, user.id, SessionEvents.created, familyId, undefined, {
        type: 'user',
        userId: user.id,
      });
      return pair;
    });
  }

  /**
   * Exchanges a refresh token for a new pair. The old token is marked rotated by a conditional
   * update, so of two concurrent refreshes with one token only one wins; a rotated token seen
   * again revokes the whole family (it was stolen or replayed).
   */
  async refresh(refreshToken: string): Promise<TokenPairDto> {
    const tokenHash = sha256(refreshToken);
    const outcome = await this.tx.run(async (em) => {
      const current = await em.findOneBy(RefreshTokenEntity, { tokenHash });
      if (!current || current.revokedAt || current.expiresAt.getTime() <= this.clock.nowMs())
        return null;
      const rotated = await em
        .createQueryBuilder()
        .update(RefreshTokenEntity)
        .set({ rotatedAt: () => 'now()' })
        .where('id = :id AND rotated_at IS NULL AND revoked_at IS NULL', { id: current.id })
        .execute();
      if (rotated.affected !== 1) {
        await this.revokeFamily(em, current.familyId, current.userId, SessionEvents.reuseDetected, {
          type: 'system',
          name: 'auth',
        });
        return 'reused' as const;
      }
      const pair = await this.startSession(em, current.userId, current.familyId);
      await this.accounts.record(
        em,
        current.userId,
        SessionEvents.refreshed,
        current.familyId,
        undefined,
        { type: 'user', userId: current.userId },
      );
      return pair;
    });
    if (outcome === null || outcome === 'reused') throw IdentityProblems.invalidRefreshToken();
    return outcome;
  }

  /** Ends the session the refresh token belongs to. Unknown tokens are ignored (idempotent). */
  async logout(refreshToken: string): Promise<void> {
    await this.tx.run(async (em) => {
      const current = await em.findOneBy(RefreshTokenEntity, { tokenHash: sha256(refreshToken) });
      if (current && !current.revokedAt)
        await this.revokeFamily(em, current.familyId, current.userId, SessionEvents.loggedOut, {
          type: 'user',
          userId: current.userId,
        });
    });
  }

  async me(userId: string): Promise<UserResponseDto> {
    return toUserResponse(await this.tx.manager.findOneByOrFail(UserEntity, { id: userId }));
  }

  private async revokeFamily(
    em: EntityManager,
    familyId: string,
    userId: string,
    event: EventType,
    actor: Principal,
  ): Promise<void> {
    await em
      .createQueryBuilder()
      .update(RefreshTokenEntity)
      .set({ revokedAt: () => 'now()' })
      .where('family_id = :familyId AND revoked_at IS NULL', { familyId })
      .execute();
    await this.accounts.record(em, userId, event, familyId, undefined, actor);
  }

  private async startSession(
    em: EntityManager,
    userId: string,
    familyId: string,
  ): Promise<TokenPairDto> {
    const refreshToken = randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
    await em.insert(RefreshTokenEntity, {
      id: newId(),
      userId,
      familyId,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(this.clock.nowMs() + REFRESH_TOKEN_TTL_MS),
    });
    const claims: AccessClaims = {
      sub: userId,
      sid: familyId,
      typ: 'access',
      iat: jwtSeconds(this.clock),
    };
    const accessToken = await this.jwt.signAsync(claims, { expiresIn: ACCESS_TOKEN_TTL_SECONDS });
    return { accessToken, refreshToken, expiresIn: ACCESS_TOKEN_TTL_SECONDS };
  }
}
