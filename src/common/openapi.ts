import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { eventCatalogMarkdown } from '../kernel/events.js';
import { problemCatalog } from './problem.js';

export const PROBLEM_SCHEMA = 'Problem';

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
    content: {
      'application/problem+json': { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` } },
    },
  });

/** Documents the problem responses a route can give, beyond the global 429 and 500. */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(...statuses.map(problemResponse));
}

/** An authenticated route: bearer scheme plus its 401. */
export function ApiAuth() {
  return applyDecorators(ApiBearerAuth(), problemResponse(401));
}

export function ApiIdempotencyKey() {
  return ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      '1-255 characters. A retry with the same key and request gets the stored response with `Idempotent-Replayed: true` (24 h).',
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

/** Adds the Problem schema, the global error responses and the catalogue of problem types. */
export function decorateOpenApi(document: OpenAPIObject): OpenAPIObject {
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
        enum: problemCatalog().map((k) => `https://workdeck.dev/problems/${k.code}`),
      },
      title: { type: 'string' },
      status: { type: 'integer' },
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
  for (const path of Object.values(document.paths)) {
    for (const op of Object.values(path)) {
      if (typeof op !== 'object' || op === null || !('responses' in op)) continue;
      // Every `{somethingId}` path parameter is a UUID (UuidParam answers 400 otherwise).
      for (const param of ((op as { parameters?: unknown[] }).parameters ?? []) as Array<{
        in?: string;
        name?: string;
        schema?: { format?: string };
      }>) {
        if (param.in === 'path' && /Id$/.test(param.name ?? '') && param.schema)
          param.schema.format = 'uuid';
      }
      const responses = (op as { responses: Record<string, unknown> }).responses;
      for (const status of [429, 500]) {
        responses[String(status)] ??= {
          description: STATUS_TEXT[status],
          content: {
            'application/problem+json': {
              schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` },
            },
          },
        };
      }
    }
  }
  addTransportProblems(document);
  return document;
}

/** What any operation can answer, whatever it does: framework, transport and outage problems. */
const EVERY_OPERATION = [400, 408, 414, 429, 431, 500, 503];
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
