import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';
import { IS_INT } from 'class-validator';
import { eventCatalogMarkdown } from '../kernel/events.js';
import type { OperationFacts, OperationFactsById } from './openapi-facts.js';
import { CommonProblems, problemCatalog, problemType, type ProblemKind } from './problem.js';

export const PROBLEM_SCHEMA = 'Problem';
const PROBLEM_MEDIA_TYPE = 'application/problem+json';
const PROBLEM_REF = `#/components/schemas/${PROBLEM_SCHEMA}`;

const STATUS_TEXT: Record<number, string> = {
  400: 'Malformed request (JSON, parameter or header)',
  401: 'Missing, expired or revoked credentials',
  403: 'Your role or token scope does not allow this',
  408: 'The request arrived too slowly (connection closed)',
  404: 'Not found (or in a workspace you are not a member of)',
  409: 'Conflict with the current state',
  412: 'If-Match does not match the current version',
  413: 'Body too large',
  414: 'A path parameter is too long',
  415: 'Body is not JSON',
  422: 'Validation failed (see `errors`)',
  429: 'Rate limited (see Retry-After)',
  431: 'Request headers too large',
  500: 'Unexpected error',
  503: 'A dependency (database, Redis) is unavailable; retry after Retry-After seconds',
};

const problemResponse = (status: number) =>
  ApiResponse({
    status,
    description: STATUS_TEXT[status] ?? 'Problem',
    content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: PROBLEM_REF } } },
  });

/** Documents the problem responses a route can give, beyond the global 429 and 500. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(...statuses.map(problemResponse));
}

/** An authenticated route: bearer scheme plus its 401. */
export function ApiAuth() {
  return applyDecorators(ApiBearerAuth(), problemResponse(401));
}

const IDEMPOTENCY_KEY_DESCRIPTION =
  '1-255 characters. A retry with the same key and request gets the stored response with `Idempotent-Replayed: true` (24 h).';

export function ApiIdempotencyKey() {
  return ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: IDEMPOTENCY_KEY_DESCRIPTION,
  });
}

export function ApiIfMatch() {
  return applyDecorators(
    ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'The ETag of the version you read; a different current version answers 412.',
    }),
    problemResponse(412),
  );
}

// ---------------------------------------------------------------------------------------------
// The document pass. Nest's Swagger module documents what decorators declare; everything the
// server does uniformly (headers, security, idempotency, problems) is added here, once, from the
// same metadata that drives the behaviour, so that no controller can forget it.

type Json = Record<string, unknown>;

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Parameter[];
  requestBody?: Json;
  responses: Record<string, Response>;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Json;
}

interface Response {
  description: string;
  headers?: Record<string, Json>;
  content?: Record<string, { schema?: Json; example?: unknown }>;
}

export interface DecorateOptions {
  /** What the server does per operation (see `collectOperationFacts`). */
  facts?: OperationFactsById;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function forEachOperation(
  document: OpenAPIObject,
  visit: (op: Operation, method: string, path: string) => void,
): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const op = (item as Record<string, unknown>)[method] as Operation | undefined;
      if (op) visit(op, method, path);
    }
  }
}

/** Adds the Problem schema, the global error responses and the catalogue of problem types. */
export function decorateOpenApi(
  document: OpenAPIObject,
  options: DecorateOptions = {},
): OpenAPIObject {
  addProblemSchema(document);
  describeProblemCatalog(document);
  addReusableHeaders(document);
  addTransportProblems(document);
  forEachOperation(document, (op, method, path) => {
    const facts = op.operationId ? options.facts?.get(op.operationId) : undefined;
    markUuidPathParameters(op);
    typeIntegerQueryParameters(op);
    addGlobalProblems(op, facts);
    applySecurity(document, op, facts);
    documentIdempotency(op, facts);
    documentResponseHeaders(document, op, facts);
    addProblemExamples(op, path);
    describeOperation(op, method, facts);
  });
  typeIntegersFromValidators(document);
  relaxRequestDefaults(document);
  declareTags(document);
  declareServers(document);
  return document;
}

function addProblemSchema(document: OpenAPIObject): void {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas[PROBLEM_SCHEMA] = {
    type: 'object',
    description: 'RFC 9457 problem details.',
    required: ['type', 'title', 'status', 'detail', 'instance', 'requestId'],
    properties: {
      type: {
        type: 'string',
        format: 'uri',
        enum: problemCatalog().map((k) => problemType(k.code)),
      },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      detail: { type: 'string' },
      instance: { type: 'string', description: 'The request path.' },
      requestId: {
        type: 'string',
        description: 'Also in the X-Request-Id header and every log line.',
      },
      errors: {
        type: 'array',
        description: 'Field errors (422 only).',
        items: {
          type: 'object',
          required: ['field', 'message'],
          properties: { field: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  };
}

function describeProblemCatalog(document: OpenAPIObject): void {
  const table = problemCatalog()
    .map((k) => `| \`${k.code}\` | ${k.status} | ${k.title} | ${k.description} |`)
    .join('\n');
  document.info.description = `${document.info.description ?? ''}

## Problem types
Every error is \`application/problem+json\` (RFC 9457) with \`type\` = \`https://workdeck.dev/problems/<code>\`:

| code | status | title | meaning |
|---|---|---|---|
${table}

## Event types
Every change is recorded as an event (audit log, outbox, activity feed). Webhook connectors
subscribe to the deliverable ones by name or by prefix (\`card.*\`):

${eventCatalogMarkdown()}
`;
}

// Response headers ----------------------------------------------------------------------------

const HEADERS = {
  requestId: 'X-Request-Id',
  etag: 'ETag',
  replayed: 'Idempotent-Replayed',
  limit: 'RateLimit-Limit',
  remaining: 'RateLimit-Remaining',
  reset: 'RateLimit-Reset',
  retryAfter: 'Retry-After',
} as const;

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

function addReusableHeaders(document: OpenAPIObject): void {
  const integer = { type: 'integer', minimum: 0 };
  document.components ??= {};
  document.components.headers = {
    ...document.components.headers,
    [HEADERS.requestId]: {
      description:
        'The request id: the well-formed `X-Request-Id` you sent, else generated. Also `requestId` in problems and every log line.',
      required: true,
      schema: { type: 'string', example: '0193b5a2-7c1e-7d2a-9a51-3f1e2d4c5b6a' },
    },
    [HEADERS.etag]: {
      description: 'The version of this resource, `"<version>"`; send it back in `If-Match`.',
      required: true,
      schema: { type: 'string', example: '"3"' },
    },
    [HEADERS.replayed]: {
      description:
        '`true` when this is the stored response of an earlier request with the same `Idempotency-Key`.',
      required: false,
      schema: { type: 'string', enum: ['true'] },
    },
    [HEADERS.limit]: {
      description: 'Requests allowed per window for this caller.',
      required: false,
      schema: integer,
    },
    [HEADERS.remaining]: {
      description: 'Requests left in the current window.',
      required: false,
      schema: integer,
    },
    [HEADERS.reset]: {
      description: 'Seconds until the current window ends.',
      required: false,
      schema: integer,
    },
    [HEADERS.retryAfter]: RETRY_AFTER,
  };
}

const RETRY_AFTER = {
  description: 'Seconds to wait before retrying.',
  required: true,
  schema: { type: 'integer', minimum: 0 },
};

const isSuccess = (status: string) => status.startsWith('2');

/** Resolves a local `$ref` (one level is all Nest's Swagger module produces). */
function resolve(document: OpenAPIObject, schema: Json | undefined): Json | undefined {
  const ref = schema?.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  return document.components?.schemas?.[name] as Json | undefined;
}

/** The server's rule (etagHook): a JSON body with a numeric `version` gets an ETag. */
function carriesEtag(document: OpenAPIObject, response: Response): boolean {
  const schema = resolve(document, response.content?.['application/json']?.schema);
  const version = (schema?.properties as Record<string, Json> | undefined)?.version;
  return version?.type === 'integer' || version?.type === 'number';
}

function documentResponseHeaders(
  document: OpenAPIObject,
  op: Operation,
  facts: OperationFacts | undefined,
): void {
  const throttled = facts?.throttled ?? true;
  for (const [status, response] of Object.entries(op.responses)) {
    const headers: Record<string, Json> = { ...response.headers };
    headers[HEADERS.requestId] = headerRef(HEADERS.requestId);
    if (throttled) {
      for (const name of [HEADERS.limit, HEADERS.remaining, HEADERS.reset]) {
        headers[name] = headerRef(name);
      }
    }
    if (status === '429') headers[HEADERS.retryAfter] = headerRef(HEADERS.retryAfter);
    // Sent when the outage has a known horizon (shutdown, overload); a failed readiness
    // probe says only that a dependency is down.
    if (status === '503') headers[HEADERS.retryAfter] = { ...RETRY_AFTER, required: false };
    if (isSuccess(status) && carriesEtag(document, response)) {
      headers[HEADERS.etag] = headerRef(HEADERS.etag);
    }
    if (isSuccess(status) && facts?.idempotent) {
      headers[HEADERS.replayed] = headerRef(HEADERS.replayed);
    }
    response.headers = headers;
  }
}

// Idempotency, security, problems -----------------------------------------------------------

const problemContent = () => ({ [PROBLEM_MEDIA_TYPE]: { schema: { $ref: PROBLEM_REF } } });

function ensureProblem(op: Operation, status: number, description?: string): void {
  op.responses[String(status)] ??= {
    description: description ?? STATUS_TEXT[status] ?? 'Problem',
    content: problemContent(),
  };
}

/** 500 everywhere; 429 where the rate limiter counts the operation. */
function addGlobalProblems(op: Operation, facts: OperationFacts | undefined): void {
  if (facts?.throttled ?? true) ensureProblem(op, 429);
  ensureProblem(op, 500);
}

/** The header, its replay answers and its errors, on every operation that honours it. */
function documentIdempotency(op: Operation, facts: OperationFacts | undefined): void {
  if (!facts?.idempotent) return;
  op.parameters ??= [];
  if (!op.parameters.some((p) => p.in === 'header' && p.name === 'Idempotency-Key')) {
    op.parameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: IDEMPOTENCY_KEY_DESCRIPTION,
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    });
  }
  // A malformed key is 400, the key in flight 409, the key reused for another request 422.
  ensureProblem(op, 400);
  ensureProblem(op, 409);
  ensureProblem(op, 422);
}

/**
 * Public operations say so (`security: []`); every other one requires the bearer scheme and
 * can answer 401, whether or not its controller remembered `@ApiAuth()`.
 */
function applySecurity(
  document: OpenAPIObject,
  op: Operation,
  facts: OperationFacts | undefined,
): void {
  if (!facts) return;
  if (facts.public) {
    op.security = [];
    return;
  }
  const scheme = Object.keys(document.components?.securitySchemes ?? {})[0] ?? 'bearer';
  if (!op.security || op.security.length === 0) op.security = [{ [scheme]: [] }];
  ensureProblem(op, 401);
}

const EXAMPLE_IDS = {
  uuid: '0193b5a2-7c1e-7d2a-9a51-3f1e2d4c5b6a',
  requestId: '0193b5a2-8f00-7a3b-8c2d-1e2f3a4b5c6d',
};

/** A realistic problem for each status, instead of a generated one with `status: 0`. */
const EXAMPLE_PROBLEMS: Record<number, { kind: ProblemKind; detail: string; extra?: Json }> = {
  400: {
    kind: CommonProblems.kinds.malformedRequest,
    detail: 'Malformed JSON body: Unexpected token } in JSON at position 12',
  },
  401: {
    kind: CommonProblems.kinds.unauthenticated,
    detail: 'The access token expired.',
  },
  403: {
    kind: CommonProblems.kinds.forbidden,
    detail: 'This operation needs the admin role in this workspace.',
  },
  404: { kind: CommonProblems.kinds.notFound, detail: 'Not found.' },
  409: {
    kind: CommonProblems.kinds.concurrentModification,
    detail: 'The resource changed between reading and writing it. Fetch it again and retry.',
  },
  412: {
    kind: CommonProblems.kinds.preconditionFailed,
    detail: 'If-Match "3" does not match the current version "4".',
  },
  413: {
    kind: CommonProblems.kinds.payloadTooLarge,
    detail: 'Request body is too large',
  },
  415: {
    kind: CommonProblems.kinds.unsupportedMediaType,
    detail: 'Unsupported Media Type: text/plain',
  },
  422: {
    kind: CommonProblems.kinds.validationFailed,
    detail: '1 field is invalid.',
    extra: {
      errors: [
        { field: 'title', message: 'title must be shorter than or equal to 200 characters' },
      ],
    },
  },
  429: {
    kind: CommonProblems.kinds.rateLimited,
    detail: 'Limit of 600 requests per window reached; retry in 17 s.',
  },
  500: {
    kind: CommonProblems.kinds.internal,
    detail: CommonProblems.kinds.internal.title,
  },
  503: {
    kind: CommonProblems.kinds.unavailable,
    detail: 'A dependency (database, Redis) is not reachable, or the server is shutting down.',
  },
};

function exampleInstance(path: string): string {
  return path.replace(/\{[^}]+\}/g, EXAMPLE_IDS.uuid);
}

function addProblemExamples(op: Operation, path: string): void {
  for (const [status, response] of Object.entries(op.responses)) {
    const media = response.content?.[PROBLEM_MEDIA_TYPE];
    if (!media || media.example !== undefined) continue;
    const sample = EXAMPLE_PROBLEMS[Number(status)];
    const kind = sample?.kind ?? CommonProblems.kinds.malformedRequest;
    media.example = {
      type: problemType(kind.code),
      title: kind.title,
      status: Number(status),
      detail: sample?.detail ?? kind.title,
      instance: exampleInstance(path),
      requestId: EXAMPLE_IDS.requestId,
      ...sample?.extra,
    };
  }
}

// Descriptions, tags, servers ---------------------------------------------------------------

/**
 * Every operation gets a description: the author's, or its summary, followed by what the
 * server does uniformly for it (authentication, idempotency, optimistic concurrency).
 */
function describeOperation(op: Operation, method: string, facts: OperationFacts | undefined): void {
  const lines: string[] = [];
  const own = op.description?.trim();
  lines.push(own || `${op.summary ?? `${method.toUpperCase()} operation`}.`);
  if (facts?.public) lines.push('No authentication.');
  else lines.push('Authentication: `Authorization: Bearer <access token or API token>`.');
  if (facts?.idempotent) {
    lines.push(
      'Send `Idempotency-Key` to make a retry safe (replayed with `Idempotent-Replayed: true`).',
    );
  }
  const success = Object.entries(op.responses).find(([status]) => isSuccess(status))?.[1];
  const media = Object.keys(success?.content ?? {});
  if (media.length > 0 && !media.some((m) => /json$/.test(m) && !/ndjson$/.test(m))) {
    lines.push(
      `The answer is ${media.map((m) => `\`${m}\``).join(' or ')}, not JSON: read it as text or a stream (openapi-fetch: \`parseAs: 'text'\` or \`'stream'\`).`,
    );
  }
  if (op.parameters?.some((p) => p.in === 'header' && p.name === 'If-Match')) {
    lines.push('Send the `ETag` you read in `If-Match` to fail with 412 if it changed since.');
  }
  op.description = lines.join('\n\n');
  if (!op.tags || op.tags.length === 0) op.tags = ['operations'];
}

const TAG_DESCRIPTIONS: Record<string, string> = {
  operations: 'Health, readiness and metrics for operators (no authentication).',
  identity: 'Registration, sessions, the current user and personal API tokens.',
  workspaces: 'Workspaces and their members and roles.',
  board: 'Boards, columns, cards, labels and comments.',
  notes: 'Markdown notes, full-text search, revisions and links to cards.',
  reminders: 'One-off and recurring reminders and their occurrences.',
  audit: 'The hash-chained audit log: list, export and verify.',
  connectors: 'Outbound webhooks, inbound hooks and deliveries.',
  dashboard: 'Workspace and board metrics and activity.',
};

function declareTags(document: OpenAPIObject): void {
  const used = new Set<string>();
  forEachOperation(document, (op) => op.tags?.forEach((t) => used.add(t)));
  const declared = new Map((document.tags ?? []).map((t) => [t.name, t]));
  for (const name of [...used].sort()) {
    if (!declared.has(name)) {
      declared.set(name, {
        name,
        description: TAG_DESCRIPTIONS[name] ?? `Operations of the ${name} module.`,
      });
    }
  }
  document.tags = [...declared.values()];
}

/** Paths are absolute from the host that served the document (Swagger UI, generated clients). */
function declareServers(document: OpenAPIObject): void {
  if (!document.servers || document.servers.length === 0) {
    document.servers = [{ url: '/', description: 'The server that serves this document' }];
  }
}

// Schemas -------------------------------------------------------------------------------------

/** Every `{somethingId}` path parameter is a UUID (UuidParam answers 400 otherwise). */
function markUuidPathParameters(op: Operation): void {
  for (const param of op.parameters ?? []) {
    if (param.in === 'path' && /Id$/.test(param.name) && param.schema) {
      param.schema.format = 'uuid';
    }
  }
}

/** `limit` and every other `@IsInt()` query parameter is an integer, not a number. */
function typeIntegerQueryParameters(op: Operation): void {
  const integers = integerPropertiesByClass();
  const names = new Set<string>();
  for (const [cls, props] of integers) if (/Query/.test(cls)) props.forEach((p) => names.add(p));
  for (const param of op.parameters ?? []) {
    if (param.in === 'query' && param.schema?.type === 'number' && names.has(param.name)) {
      param.schema.type = 'integer';
    }
  }
}

let integerCache: Map<string, Set<string>> | undefined;

/** Properties validated with `@IsInt()`, by DTO class name (Swagger's schema name). */
function integerPropertiesByClass(): Map<string, Set<string>> {
  if (integerCache) return integerCache;
  const storage = getMetadataStorage();
  const targets = (storage as unknown as { validationMetadatas: Map<Function, unknown[]> })
    .validationMetadatas;
  const result = new Map<string, Set<string>>();
  for (const target of targets.keys()) {
    const props = storage
      .getTargetValidationMetadatas(target, '', true, false)
      .filter((m) => m.name === IS_INT)
      .map((m) => m.propertyName);
    if (props.length > 0) result.set(target.name, new Set(props));
  }
  integerCache = result;
  return result;
}

function typeIntegersFromValidators(document: OpenAPIObject): void {
  const integers = integerPropertiesByClass();
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    const props = (schema as Json).properties as Record<string, Json> | undefined;
    for (const prop of integers.get(name) ?? []) {
      if (props?.[prop]?.type === 'number') props[prop].type = 'integer';
    }
  }
}

/** Every component schema reachable from `node` (following `$ref`s). */
function collectRefs(document: OpenAPIObject, node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    node.forEach((n) => collectRefs(document, n, into));
    return;
  }
  if (!node || typeof node !== 'object') return;
  const ref = (node as Json).$ref;
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length);
    if (into.has(name)) return;
    into.add(name);
    collectRefs(document, document.components?.schemas?.[name], into);
    return;
  }
  Object.values(node).forEach((v) => collectRefs(document, v, into));
}

/**
 * A request field with a server-side default is optional for the client. Generated clients
 * (openapi-typescript, by default) make any component property with a `default` required, so
 * in schemas that only requests use, the default moves into the description and the example.
 */
function relaxRequestDefaults(document: OpenAPIObject): void {
  const inRequests = new Set<string>();
  const inResponses = new Set<string>();
  forEachOperation(document, (op) => {
    collectRefs(document, op.requestBody, inRequests);
    collectRefs(document, op.responses, inResponses);
  });
  for (const name of inRequests) {
    if (inResponses.has(name)) continue;
    const schema = document.components?.schemas?.[name] as Json | undefined;
    const props = schema?.properties as Record<string, Json> | undefined;
    for (const prop of Object.values(props ?? {})) {
      if (!('default' in prop)) continue;
      const value = JSON.stringify(prop.default);
      delete prop.default;
      prop.example ??= JSON.parse(value);
      const description = typeof prop.description === 'string' ? prop.description.trim() : '';
      prop.description = `${description}${description ? ' ' : ''}Default: \`${value}\`.`;
    }
  }
}

/** What any operation can answer, whatever it does: framework, transport and outage problems. */
// 429 is not here: probes are never limited; addGlobalProblems adds it where the limiters count.
const EVERY_OPERATION = [400, 408, 414, 431, 500, 503];
/** What an operation with a JSON body can also answer. */
const WITH_BODY = [413, 415, 422];

/**
 * Lists on every operation the problems the HTTP layer can give it, so that a client
 * generated from the document knows every status it may meet: 400/408/414/431 come from
 * parsing before the route runs, 429 from the rate limits, 503 from a database outage; 413,
 * 415 and 422 wherever a body is read; 422 wherever query parameters are validated.
 */
function addTransportProblems(document: OpenAPIObject): void {
  const problem = (status: number) => ({
    description: STATUS_TEXT[status] ?? 'Problem',
    content: {
      'application/problem+json': { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` } },
    },
  });
  for (const path of Object.values(document.paths)) {
    for (const op of Object.values(path)) {
      if (typeof op !== 'object' || op === null || !('responses' in op)) continue;
      const operation = op as {
        responses: Record<string, unknown>;
        requestBody?: unknown;
        parameters?: Array<{ in?: string }>;
      };
      const statuses = [...EVERY_OPERATION];
      if (operation.requestBody) statuses.push(...WITH_BODY);
      if ((operation.parameters ?? []).some((p) => p.in === 'query')) statuses.push(422);
      for (const status of statuses) operation.responses[String(status)] ??= problem(status);
    }
  }
}
