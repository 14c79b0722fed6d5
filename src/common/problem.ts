import { HttpStatus } from '@nestjs/common';

/** Where every problem `type` lives; each kind is listed in /openapi.json and the README. */
export const PROBLEM_BASE_URI = 'https://workdeck.dev/problems/';

export interface FieldError {
  field: string;
  message: string;
}

export interface ProblemKind {
  /** Stable, kebab-case; the last segment of the `type` URI. */
  code: string;
  status: number;
  title: string;
  /** What it means and what a client should do; rendered into the API documentation. */
  description: string;
}

/** RFC 6585; absent from Nest's HttpStatus. */
const REQUEST_HEADER_FIELDS_TOO_LARGE = 431;

const catalog = new Map<string, ProblemKind>();

/** Every problem kind declared so far, for documentation. */
export function problemCatalog(): ProblemKind[] {
  return [...catalog.values()].sort((a, b) => a.status - b.status || a.code.localeCompare(b.code));
}

export const problemType = (code: string): string => `${PROBLEM_BASE_URI}${code}`;

/** An error the API answers with as RFC 9457 problem details. Services throw these only. */
export class ProblemException extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly extras: {
      errors?: FieldError[];
      headers?: Record<string, string>;
      [k: string]: unknown;
    } = {},
  ) {
    super(detail);
    this.name = 'ProblemException';
  }
  get status(): number {
    return this.kind.status;
  }
}

type Thrower = (detail?: string, extras?: ProblemException['extras']) => ProblemException;

/**
 * Declares a module's error kinds once; each becomes a factory:
 * `throw BoardErrors.wipLimitReached('Column "Doing" holds 3 of 3 cards')`.
 */
export function defineProblems<K extends string>(
  kinds: Record<K, Omit<ProblemKind, 'code'> & { code?: string }>,
): Record<K, Thrower> & { kinds: Record<K, ProblemKind> } {
  const factories = {} as Record<K, Thrower>;
  const declared = {} as Record<K, ProblemKind>;
  for (const key of Object.keys(kinds) as K[]) {
    const spec = kinds[key];
    const code = spec.code ?? key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
    const kind: ProblemKind = { ...spec, code };
    const existing = catalog.get(code);
    if (existing && existing.status !== kind.status) {
      throw new Error(`problem code ${code} declared twice with different statuses`);
    }
    catalog.set(code, kind);
    declared[key] = kind;
    factories[key] = (detail, extras) => new ProblemException(kind, detail ?? kind.title, extras);
  }
  return Object.assign(factories, { kinds: declared });
}

/** The kernel's own kinds: transport, validation, auth, concurrency, limits. */
export const CommonProblems = defineProblems({
  malformedRequest: {
    status: HttpStatus.BAD_REQUEST,
    title: 'Malformed request',
    description: 'The body is not valid JSON, or a path, query or header parameter is malformed.',
  },
  invalidCursor: {
    status: HttpStatus.BAD_REQUEST,
    title: 'Invalid cursor',
    description:
      'The `cursor` was not issued by this API (or was altered). Restart from the first page.',
  },
  unauthenticated: {
    status: HttpStatus.UNAUTHORIZED,
    title: 'Authentication required',
    description:
      'No valid bearer token (access token or API token) was given, or it expired or was revoked.',
  },
  forbidden: {
    status: HttpStatus.FORBIDDEN,
    title: 'Forbidden',
    description:
      'Your role in the workspace, or your API token scope, does not allow this operation.',
  },
  insufficientScope: {
    status: HttpStatus.FORBIDDEN,
    title: 'API token scope too narrow',
    description: 'The API token lacks the scope this operation needs (read < write < admin).',
  },
  notFound: {
    status: HttpStatus.NOT_FOUND,
    title: 'Not found',
    description: 'The resource does not exist, or belongs to a workspace you are not a member of.',
  },
  routeNotFound: {
    status: HttpStatus.NOT_FOUND,
    title: 'No such route',
    description: 'No route matches this method and path. See /docs.',
  },
  methodNotAllowed: {
    status: HttpStatus.METHOD_NOT_ALLOWED,
    title: 'Method not allowed',
    description: 'The route exists but not with this method.',
  },
  conflict: {
    status: HttpStatus.CONFLICT,
    title: 'Conflict',
    description: 'The request conflicts with the current state of the resource.',
  },
  concurrentModification: {
    status: HttpStatus.CONFLICT,
    title: 'Concurrent modification',
    description:
      'The resource changed between reading and writing it (another request won). Fetch it again and retry.',
  },
  idempotencyInFlight: {
    status: HttpStatus.CONFLICT,
    title: 'Request with this Idempotency-Key is in flight',
    description: 'A request with the same Idempotency-Key is still being processed. Retry later.',
  },
  preconditionFailed: {
    status: HttpStatus.PRECONDITION_FAILED,
    title: 'Precondition failed',
    description:
      'The `If-Match` version does not match the current version. Fetch the resource and retry.',
  },
  requestTimeout: {
    status: HttpStatus.REQUEST_TIMEOUT,
    title: 'Request timeout',
    description:
      'The request line, headers or body arrived too slowly (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS); the connection is closed.',
  },
  payloadTooLarge: {
    status: HttpStatus.PAYLOAD_TOO_LARGE,
    title: 'Request body too large',
    description: 'The request body exceeds the configured limit (BODY_LIMIT_BYTES).',
  },
  unsupportedMediaType: {
    status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    title: 'Unsupported media type',
    description: 'Request bodies must be `application/json`.',
  },
  uriTooLong: {
    status: HttpStatus.URI_TOO_LONG,
    title: 'URI too long',
    description: 'A path parameter is longer than any valid value (at most 100 characters).',
  },
  validationFailed: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'Validation failed',
    description: 'One or more fields are invalid; see `errors` for each field and why.',
  },
  idempotencyKeyReused: {
    status: HttpStatus.UNPROCESSABLE_ENTITY,
    title: 'Idempotency-Key reused with a different request',
    description: 'This Idempotency-Key was already used for a different method, path or body.',
  },
  rateLimited: {
    status: HttpStatus.TOO_MANY_REQUESTS,
    title: 'Too many requests',
    description: 'The rate limit for this caller was exceeded; wait `Retry-After` seconds.',
  },
  headersTooLarge: {
    status: REQUEST_HEADER_FIELDS_TOO_LARGE,
    title: 'Request headers too large',
    description: 'The request line and headers together exceed the server limit (16 KiB).',
  },
  internal: {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    title: 'Internal server error',
    description: 'Something failed on our side. Quote `requestId` when reporting it.',
  },
  unavailable: {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    title: 'Service unavailable',
    description: 'A dependency (database, Redis) is not reachable, or the server is shutting down.',
  },
});

/** The problem kind for a bare HTTP status (errors from the framework or a library). */
export function kindForStatus(status: number): ProblemKind {
  const byStatus: Record<number, ProblemKind> = {
    400: CommonProblems.kinds.malformedRequest,
    401: CommonProblems.kinds.unauthenticated,
    403: CommonProblems.kinds.forbidden,
    404: CommonProblems.kinds.routeNotFound,
    405: CommonProblems.kinds.methodNotAllowed,
    408: CommonProblems.kinds.requestTimeout,
    409: CommonProblems.kinds.conflict,
    412: CommonProblems.kinds.preconditionFailed,
    413: CommonProblems.kinds.payloadTooLarge,
    414: CommonProblems.kinds.uriTooLong,
    415: CommonProblems.kinds.unsupportedMediaType,
    422: CommonProblems.kinds.validationFailed,
    429: CommonProblems.kinds.rateLimited,
    431: CommonProblems.kinds.headersTooLarge,
    503: CommonProblems.kinds.unavailable,
  };
  return (
    byStatus[status] ??
    (status >= 500 ? CommonProblems.kinds.internal : CommonProblems.kinds.malformedRequest)
  );
}
