import { createHash } from 'node:crypto';
import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { preparedQuery } from '../database/prepared-query.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { Clock } from '../kernel/clock.js';
import { canonicalJson } from './canonical-json.js';
import { PerHandler } from './per-handler.js';
import { CommonProblems } from './problem.js';
import { callerScope, RequestContext } from './request-context.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';
const MAX_KEY_LENGTH = 255;
const HOUR_MS = 3_600_000;

/**
 * `Idempotency-Key` on POST and PATCH (DESIGN §3), bound to those routes by `@Route` unless
 * they declare `idempotent: false` (a response carrying credentials: tokens, secrets, never
 * stored in plain text, so there is nothing safe to replay; retrying runs it again). The
 * handler runs inside a transaction that first takes a per-(caller, key) advisory lock (busy:
 * 409, in flight) and looks for a stored response (same request: replayed; different request:
 * 422). A new response is stored in that same transaction, so the effect and its record commit
 * or vanish together. Errors are not stored: nothing happened, and a retry may succeed.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly tx: TransactionHost,
    private readonly reflector: Reflector,
    private readonly clock: Clock,
    @Inject(appConfig.KEY) private readonly config: AppConfig,
  ) {}

  /** The success status a replay answers with, per route (decided on its first request). */
  private readonly successStatus = new PerHandler<number>(
    (context) =>
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (context.switchToHttp().getRequest<FastifyRequest>().method === 'POST' ? 201 : 200),
  );

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const raw = request.headers[IDEMPOTENCY_HEADER];
    // Bound by `@Route` only to the POST and PATCH routes that do not declare `idempotent: false`.
    if (raw === undefined) return next.handle();
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!key || key.length > MAX_KEY_LENGTH) {
      throw CommonProblems.malformedRequest(
        `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters.`,
      );
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const caller = callerScope(RequestContext.current()?.principal, request.ip);
    const requestHash = createHash('sha256')
      .update(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`)
      .digest('hex');
    const status = this.successStatus.of(context);

    return from(
      this.tx.run(async (em) => {
        const [{ locked }] = await preparedQuery<{ locked: boolean }>(
          em,
          'idempotency_lock',
          LOCK_SQL,
          [`${caller}\n${key}`],
        );
        if (!locked) throw CommonProblems.idempotencyInFlight();
        // Read only after the lock is held: in one statement with the lock, the snapshot would
        // predate it and could miss the record of a holder that committed meanwhile.
        const [existing] = await preparedQuery<StoredRecord>(em, 'idempotency_find', FIND_SQL, [
          caller,
          key,
        ]);
        // Embedded PGlite may answer the timestamp as text: compare through Date either way.
        const now = this.clock.nowMs();
        if (existing && new Date(existing.expiresAt).getTime() > now) {
          if (existing.requestHash !== requestHash) throw CommonProblems.idempotencyKeyReused();
          void reply.header(REPLAYED_HEADER, 'true');
          return existing.responseBody;
        }
        const body = await lastValueFrom(next.handle(), { defaultValue: null });
        if (existing) await preparedQuery(em, 'idempotency_delete', DELETE_SQL, [existing.id]);
        await preparedQuery(em, 'idempotency_insert', INSERT_SQL, [
          newId(),
          caller,
          key,
          requestHash,
          status,
          body === null || body === undefined ? null : JSON.stringify(body),
          new Date(now + this.config.idempotencyTtlHours * HOUR_MS),
        ]);
        return body;
      }),
    );
  }
}

/** A stored record as the interceptor reads it (`IdempotencyRecordEntity`'s columns). */
interface StoredRecord {
  id: string;
  requestHash: string;
  responseBody: unknown;
  expiresAt: Date | string;
}

// Plain SQL, prepared once per connection: these run on every request with an Idempotency-Key,
// and building them through the entity manager cost more CPU than the rest of the interceptor.
const LOCK_SQL = 'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked';
const FIND_SQL = `SELECT id, request_hash AS "requestHash", response_body AS "responseBody",
    expires_at AS "expiresAt"
  FROM idempotency_records WHERE caller = $1 AND key = $2`;
const DELETE_SQL = 'DELETE FROM idempotency_records WHERE id = $1';
const INSERT_SQL = `INSERT INTO idempotency_records
    (id, caller, key, request_hash, response_status, response_body, expires_at)
  VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`;
