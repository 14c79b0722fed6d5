import http from 'node:http';
import https from 'node:https';
import { Injectable } from '@nestjs/common';

export interface OutboundRequest {
  method: 'POST' | 'GET' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
  /**
   * The address to connect to, already resolved and checked by the caller (SSRF defence):
   * when set, the host name is used for TLS/Host only and never looked up again.
   */
  address?: { address: string; family: 4 | 6 };
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  /** At most `maxBodyBytes` of the body, as text. */
  body: string;
}

/**
 * Outbound HTTP as the app sends it (webhooks). One seam so that tests replace the network
 * with `FakeHttpClient`. Redirects are never followed. Errors are thrown with `code`
 * (`ETIMEDOUT`, `ECONNREFUSED`, ...) for the caller to classify.
 */
export abstract class HttpClient {
  abstract send(request: OutboundRequest, maxBodyBytes?: number): Promise<OutboundResponse>;
}

/** The real network through node:http(s), with a hard timeout and a pinned address. */
@Injectable()
export class NodeHttpClient extends HttpClient {
  send(request: OutboundRequest, maxBodyBytes = DEFAULT_MAX_BODY_BYTES): Promise<OutboundResponse> {
    const url = new URL(request.url);
    const transport = url.protocol === 'https:' ? https : http;
    const pinned = request.address;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        url,
        {
          method: request.method,
          headers: request.headers,
          timeout: request.timeoutMs,
          // Connect to the address the caller checked: no second DNS lookup (rebinding-safe).
          ...(pinned
            ? {
                lookup: ((_host: string, options: { all?: boolean }, cb: LookupCallback) =>
                  options.all
                    ? cb(null, [{ address: pinned.address, family: pinned.family }])
                    : cb(null, pinned.address, pinned.family)) as never,
              }
            : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (size < maxBodyBytes) chunks.push(chunk);
            size += chunk.length;
            if (size >= maxBodyBytes) res.destroy();
          });
          const done = () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: flatHeaders(res.headers),
              body: Buffer.concat(chunks).subarray(0, maxBodyBytes).toString('utf8'),
            });
          res.on('end', done);
          res.on('close', done);
          res.on('error', done);
        },
      );
      const deadline = setTimeout(() => req.destroy(timeoutError()), request.timeoutMs);
      req.on('timeout', () => req.destroy(timeoutError()));
      req.on('error', reject);
      req.on('close', () => clearTimeout(deadline));
      req.end(request.body);
    });
  }
}

type LookupCallback = (
  err: Error | null,
  address: string | Array<{ address: string; family: number }>,
  family?: number,
) => void;

const DEFAULT_MAX_BODY_BYTES = 16_384;

function timeoutError(): Error {
  return Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' });
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** A network stand-in for tests: records every request and answers with `respond`. */
export class FakeHttpClient extends HttpClient {
  readonly calls: OutboundRequest[] = [];

  constructor(
    public respond: (
      request: OutboundRequest,
    ) => OutboundResponse | Promise<OutboundResponse> = () => ({
      status: 200,
      headers: {},
      body: '',
    }),
  ) {
    super();
  }

  async send(request: OutboundRequest): Promise<OutboundResponse> {
    this.calls.push(request);
    return this.respond(request);
  }
}
