import { request as httpRequest } from 'node:http';
import type { TestApp } from './app.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Sent as is (no JSON encoding), e.g. malformed JSON. */
  raw?: string;
}

/** A minimal client over fetch: JSON in, JSON (or problem+json) out. */
export function client(app: TestApp) {
  async function request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (
      payload !== undefined &&
      !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')
    ) {
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(`${app.url}${path}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }
  return {
    request,
    get: <T = any>(path: string, o?: RequestOptions) => request<T>('GET', path, undefined, o),
    post: <T = any>(path: string, body?: unknown, o?: RequestOptions) =>
      request<T>('POST', path, body ?? {}, o),
    patch: <T = any>(path: string, body?: unknown, o?: RequestOptions) =>
      request<T>('PATCH', path, body ?? {}, o),
    put: <T = any>(path: string, body?: unknown, o?: RequestOptions) =>
      request<T>('PUT', path, body ?? {}, o),
    delete: <T = any>(path: string, o?: RequestOptions) => request<T>('DELETE', path, undefined, o),
  };
}

export type Client = ReturnType<typeof client>;

/** Asserts an RFC 9457 problem of the given status (and `type` code, when given). */
export function expectProblem(res: ApiResponse, status: number, code?: string): void {
  const context = `${status} expected, got ${res.status}: ${res.text.slice(0, 500)}`;
  expect({ status: res.status, context }).toEqual({ status, context });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({
    status,
    title: expect.any(String),
    detail: expect.any(String),
    instance: expect.any(String),
    requestId: expect.any(String),
  });
  expect(res.body.type).toMatch(/^https:\/\/workdeck\.dev\/problems\/[a-z-]+$/);
  if (code) expect(res.body.type).toBe(`https://workdeck.dev/problems/${code}`);
  expect(res.headers.get('x-request-id')).toBe(res.body.requestId);
}

/**
 * POSTs a large JSON body over node:http and resolves with the response even when the server
 * answers (413) and closes before the body is fully sent; fetch reports that as EPIPE instead.
 */
export async function postOversized(
  app: TestApp,
  path: string,
  body: unknown,
  token?: string,
): Promise<ApiResponse> {
  // The server may reset the socket while the body is still being written, before its answer
  // is read (EPIPE/ECONNRESET with no response): that is the race, not the answer; ask again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await postOversizedOnce(app, path, body, token);
    } catch (err) {
      if (attempt >= OVERSIZED_ATTEMPTS) throw err;
    }
  }
}

const OVERSIZED_ATTEMPTS = 3;

function postOversizedOnce(
  app: TestApp,
  path: string,
  body: unknown,
  token?: string,
): Promise<ApiResponse> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${app.url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': payload.length,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers))
          if (typeof v === 'string') headers.set(k, v);
        resolve({
          status: res.statusCode ?? 0,
          headers,
          body: text ? JSON.parse(text) : undefined,
          text,
        });
      });
    });
    req.on('error', (err) => {
      if (!answered) setTimeout(() => (answered ? undefined : reject(err)), 1000);
    });
    req.end(payload);
  });
}
