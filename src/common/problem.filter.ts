import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { isDependencyUnavailable } from '../database/pg-errors.js';
import {
  CommonProblems,
  kindForStatus,
  problemType,
  ProblemException,
  type ProblemKind,
} from './problem.js';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  [extension: string]: unknown;
}

/** How long a client should wait before retrying while the database is unreachable. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;
const retryLater = { headers: { 'Retry-After': String(DEPENDENCY_RETRY_AFTER_SECONDS) } };

/** PostgreSQL error codes that are the client's doing, not ours. */
const PG_ERRORS: Record<string, (detail: string) => ProblemException> = {
  '23505': () => CommonProblems.conflict('A resource with these unique values already exists.'),
  '40001': () => CommonProblems.concurrentModification(),
  '40P01': () => CommonProblems.concurrentModification(),
  '57014': () => CommonProblems.unavailable('The database did not answer in time.', retryLater),
  '55P03': () => CommonProblems.concurrentModification(),
  '22021': () =>
    CommonProblems.validationFailed('Text contains a character the database cannot store.'),
  '22P05': () =>
    CommonProblems.validationFailed('Text contains a character the database cannot store.'),
};

const FASTIFY_ERRORS: Record<string, ProblemKind> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: CommonProblems.kinds.unsupportedMediaType,
  FST_ERR_CTP_BODY_TOO_LARGE: CommonProblems.kinds.payloadTooLarge,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: CommonProblems.kinds.malformedRequest,
  FST_ERR_CTP_EMPTY_JSON_BODY: CommonProblems.kinds.malformedRequest,
  FST_ERR_CTP_INVALID_JSON_BODY: CommonProblems.kinds.malformedRequest,
};

const logger = new Logger('Problem');

/** Turns anything thrown into a problem; unknown errors become an opaque 500. */
export function toProblem(
  err: unknown,
  request: FastifyRequest,
): { body: ProblemBody; headers: Record<string, string> } {
  let problem: ProblemException;
  if (err instanceof ProblemException) {
    problem = err;
  } else if (err instanceof HttpException) {
    const status = err.getStatus();
    const kind = kindForStatus(status);
    const response = err.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : (((response as { message?: unknown }).message as string | undefined) ?? err.message);
    problem = new ProblemException(kind, status >= 500 ? kind.title : String(message));
  } else if (
    err instanceof QueryFailedError &&
    PG_ERRORS[(err.driverError as { code?: string }).code ?? '']
  ) {
    problem = PG_ERRORS[(err.driverError as { code: string }).code](err.message);
  } else if (isDependencyUnavailable(err)) {
    // A lost, refused or timed-out connection (a restart, a failover, pg_terminate_backend):
    // the request did not happen, and a retry shortly after may succeed.
    problem = CommonProblems.unavailable(
      'The database (or Redis) is not reachable right now; retry shortly.',
      retryLater,
    );
  } else if (isFastifyClientError(err)) {
    const kind = FASTIFY_ERRORS[err.code ?? ''] ?? kindForStatus(err.statusCode);
    const detail = err instanceof SyntaxError ? `Malformed JSON body: ${err.message}` : err.message;
    problem = new ProblemException(kind, detail);
  } else {
    problem = CommonProblems.internal();
  }
  if (problem.status === HttpStatus.SERVICE_UNAVAILABLE) {
    logger.warn({ err: String(err), requestId: request.id }, problem.detail);
  } else if (problem.status >= 500) {
    logger.error({ err, requestId: request.id }, problem.detail);
  }
  const { errors, headers, ...extensions } = problem.extras;
  const body: ProblemBody = {
    type: problemType(problem.kind.code),
    title: problem.kind.title,
    status: problem.status,
    detail: problem.detail,
    instance: request.url,
    requestId: String(request.id),
    ...extensions,
    ...(errors ? { errors } : {}),
  };
  return { body, headers: headers ?? {} };
}

function isFastifyClientError(err: unknown): err is Error & { statusCode: number; code?: string } {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: unknown): void {
  const { body, headers } = toProblem(err, request);
  void reply
    .status(body.status)
    .headers(headers)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .send(body);
}

/** The global filter: every error leaving a Nest handler is answered as problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(err: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(http.getResponse<FastifyReply>(), http.getRequest<FastifyRequest>(), err);
  }
}
