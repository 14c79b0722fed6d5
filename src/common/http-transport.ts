import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newId } from '../database/uuid.js';
import { CommonProblems, problemType, type ProblemKind } from './problem.js';

/**
 * How deep a JSON request body may nest. No request of this API needs more than a few levels;
 * the bound is checked by a linear scan before `JSON.parse`, so no recursive code (validation,
 * canonical hashing, the NUL check) ever sees a deeper value.
 */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** True when `text` (JSON or not) opens more than `max` nested objects/arrays at some point. */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * Replaces Fastify's JSON parser by one that refuses bodies nested deeper than
 * MAX_JSON_DEPTH (400) and otherwise parses exactly as the default one does (prototype
 * poisoning refused).
 */
export function registerBoundedJsonParser(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, raw, done) => {
    // The exact bytes, for signatures over the raw body (inbound hooks read request.rawBody).
    (request as FastifyRequest & { rawBody?: Buffer }).rawBody = raw as Buffer;
    const body = (raw as Buffer).toString('utf8');
    if (jsonDepthExceeds(body, MAX_JSON_DEPTH)) {
      done(
        CommonProblems.malformedRequest(
          `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels of objects and arrays.`,
        ),
        undefined,
      );
      return;
    }
    parseJson(request, body, done);
  });
}

const MAX_INSTANCE_LENGTH = 200;

/** The request target of a raw request, as far as it arrived (for the problem's `instance`). */
function requestTarget(raw: unknown): string {
  if (!Buffer.isBuffer(raw)) return '';
  const line = raw
    .subarray(0, MAX_INSTANCE_LENGTH * 2)
    .toString('latin1')
    .split('\r\n')[0];
  const target = line.split(' ')[1] ?? '';
  return target.slice(0, MAX_INSTANCE_LENGTH);
}

function kindForClientError(code: string | undefined): { kind: ProblemKind; detail: string } {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        kind: CommonProblems.kinds.requestTimeout,
        detail: 'The request (headers or body) did not arrive in time.',
      };
    case 'HPE_HEADER_OVERFLOW':
      return {
        kind: CommonProblems.kinds.headersTooLarge,
        detail: 'The request line and headers exceed the server limit.',
      };
    default:
      return {
        kind: CommonProblems.kinds.malformedRequest,
        detail: 'The request is not well-formed HTTP.',
      };
  }
}

/**
 * Answers errors that Node's HTTP parser raises before any request exists (431 headers too
 * large, 408 too slow, 400 garbage) with a problem+json body too, then closes the connection.
 */
export function clientErrorHandler(
  err: Error & { code?: string; rawPacket?: unknown },
  socket: Socket,
): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const { kind, detail } = kindForClientError(err.code);
    const requestId = newId();
    const body = JSON.stringify({
      type: problemType(kind.code),
      title: kind.title,
      status: kind.status,
      detail,
      instance: requestTarget(err.rawPacket),
      requestId,
    });
    socket.write(
      `HTTP/1.1 ${kind.status} ${STATUS_CODES[kind.status] ?? ''}\r\n` +
        'Content-Type: application/problem+json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy();
}
