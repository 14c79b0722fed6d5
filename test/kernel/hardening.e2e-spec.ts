import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { startApp, type TestApp } from '../support/app.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createTeam, createWorkspace, registerUser } from '../support/factories.js';

const MAX_JSON_DEPTH = 64;
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

/** Sends `head` over a raw socket and resolves with everything the server wrote until it closed. */
function rawExchange(app: TestApp, write: (socket: Socket) => void): Promise<string> {
  const { hostname, port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => write(socket));
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
    socket.on('close', () => resolve(data));
    // A server that cuts a client while it is still sending closes with unread bytes, which
    // the client sees as a reset after the answer: the answer is what the test reads.
    socket.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' && data !== '' ? resolve(data) : reject(err),
    );
  });
}

function problemOf(raw: string): { status: number; contentType: string; body: any } {
  const [head, body] = raw.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
  const contentType = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
  return { status, contentType, body: JSON.parse(body) };
}

describe('HTTP hardening', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp({
      HTTP_HEADERS_TIMEOUT_MS: '1000',
      HTTP_REQUEST_TIMEOUT_MS: '2000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
    });
    api = client(app);
  });
  afterAll(() => app.stop());

  describe('deeply nested JSON', () => {
    it(`refuses a body nested deeper than ${MAX_JSON_DEPTH} levels with 400, never a 500`, async () => {
      const user = await registerUser(api);
      for (const depth of [MAX_JSON_DEPTH + 1, 5000, 100_000]) {
        const body = `{"name":${nested(depth)}}`;
        expectProblem(
          await api.request('POST', '/v1/workspaces', undefined, {
            raw: body,
            token: user.accessToken,
            headers: { 'idempotency-key': randomBytes(8).toString('hex') },
          }),
          400,
          'malformed-request',
        );
      }
      // Deep nesting inside strings is just text.
      const ws = await api.post(
        '/v1/workspaces',
        { name: '['.repeat(150) },
        { token: user.accessToken },
      );
      expect(ws.status).toBe(201);
      // At the limit the body is parsed and validated as usual (422: wrong type, not a crash).
      const atLimit = `{"name":"x","extra":${nested(MAX_JSON_DEPTH - 1)}}`;
      expectProblem(
        await api.request('POST', '/v1/workspaces', undefined, {
          raw: atLimit,
          token: user.accessToken,
        }),
        422,
        'validation-failed',
      );
      expect((await api.get('/health/live')).status).toBe(200);
    });
  });

  describe('strict Authorization parsing', () => {
    it('accepts exactly `Bearer <token>` and refuses trailing words or other shapes', async () => {
      const user = await registerUser(api);
      const ok = await api.get('/v1/me', {
        headers: { authorization: `bearer ${user.accessToken}` },
      });
      expect(ok.status).toBe(200);
      for (const header of [
        `Bearer ${user.accessToken} extra`,
        `Bearer  ${user.accessToken}`,
        `Bearer ${user.accessToken},x`,
        `Basic ${user.accessToken}`,
        `Bearer`,
        `Bearer wd_${'a'.repeat(43)} extra`,
      ]) {
        expectProblem(
          await api.get('/v1/me', { headers: { authorization: header } }),
          401,
          'unauthenticated',
        );
      }
    });
  });

  describe('errors before routing are problems too', () => {
    it('answers a malformed %-escape with a 400 problem', async () => {
      const res = await api.get('/v1/workspaces/%ZZ');
      expectProblem(res, 400, 'malformed-request');
    });

    it('answers an over-long path parameter with a 414 problem', async () => {
      const res = await api.get(`/v1/workspaces/${'a'.repeat(500)}`);
      expectProblem(res, 414, 'uri-too-long');
    });

    it('answers huge headers with a 431 problem', async () => {
      const raw = await rawExchange(app, (s) =>
        s.write(`GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      );
      const res = problemOf(raw);
      expect(res.status).toBe(431);
      expect(res.contentType).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        type: 'https://workdeck.dev/problems/headers-too-large',
        status: 431,
        requestId: expect.any(String),
      });
    });

    it('answers garbage that is not HTTP with a 400 problem', async () => {
      const raw = await rawExchange(app, (s) => s.write('HELLO THERE\r\n\r\n'));
      const res = problemOf(raw);
      expect(res.status).toBe(400);
      expect(res.contentType).toMatch(/^application\/problem\+json/);
    });
  });

  describe('slow clients', () => {
    const TRICKLE_FOR_MS = 15_000;
    const TRICKLE_EVERY_MS = 200;

    it('cuts a client that trickles its headers, with a 408 problem', async () => {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const raw = await rawExchange(app, (s) => {
        s.write('GET /health/live HTTP/1.1\r\nHost: x\r\n');
        timer = setInterval(() => {
          if (Date.now() - started > TRICKLE_FOR_MS) s.end('\r\n');
          else if (!s.destroyed && s.bytesRead === 0) s.write('X-Slow: 1\r\n');
        }, TRICKLE_EVERY_MS);
      });
      clearInterval(timer);
      // Cut by the server long before the client would have finished.
      expect(Date.now() - started).toBeLessThan(TRICKLE_FOR_MS);
      const res = problemOf(raw);
      expect(res.status).toBe(408);
      expect(res.body.type).toBe('https://workdeck.dev/problems/request-timeout');
    });

    it('cuts a client that trickles its body', async () => {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const raw = await rawExchange(app, (s) => {
        s.write(
          'POST /v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
        );
        timer = setInterval(() => {
          if (Date.now() - started > TRICKLE_FOR_MS) s.end();
          else if (!s.destroyed && s.bytesRead === 0) s.write(' ');
        }, TRICKLE_EVERY_MS);
      });
      clearInterval(timer);
      expect(Date.now() - started).toBeLessThan(TRICKLE_FOR_MS);
      expect(raw).toMatch(/^HTTP\/1\.1 408/);
    });

    it('closes an idle keep-alive connection', async () => {
      const started = Date.now();
      const raw = await rawExchange(app, (s) =>
        s.write('GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n'),
      );
      expect(raw).toMatch(/^HTTP\/1\.1 200/);
      expect(Date.now() - started).toBeLessThan(TRICKLE_FOR_MS);
    });
  });

  describe('cursors are bound to their list', () => {
    it("refuses another list's cursor with 400 invalid-cursor", async () => {
      const user = await registerUser(api);
      await createWorkspace(api, user.accessToken, 'one');
      await createWorkspace(api, user.accessToken, 'two');
      const page = await api.get('/v1/workspaces?limit=1', { token: user.accessToken });
      expect(page.status).toBe(200);
      const cursor = page.body.nextCursor as string;
      expect(cursor).toEqual(expect.any(String));
      // The same list accepts it.
      const next = await api.get(`/v1/workspaces?limit=1&cursor=${cursor}`, {
        token: user.accessToken,
      });
      expect(next.status).toBe(200);
      expect(next.body.data).toHaveLength(1);
      // Another list with a one-key cursor too: refused, not read as a position.
      for (const path of ['/v1/me/tokens', '/v1/me/audit-events']) {
        expectProblem(
          await api.get(`${path}?cursor=${cursor}`, { token: user.accessToken }),
          400,
          'invalid-cursor',
        );
      }
    });

    it('refuses a card-list cursor on the notes list (never a 500)', async () => {
      const user = await registerUser(api);
      const ws = await createWorkspace(api, user.accessToken);
      const board = await api.post(
        `/v1/workspaces/${ws.id}/boards`,
        { name: 'b' },
        { token: user.accessToken },
      );
      for (const title of ['a', 'b'])
        await api.post(`/v1/boards/${board.body.id}/cards`, { title }, { token: user.accessToken });
      const cards = await api.get(`/v1/boards/${board.body.id}/cards?limit=1`, {
        token: user.accessToken,
      });
      const cursor = cards.body.nextCursor as string;
      expect(cursor).toEqual(expect.any(String));
      expectProblem(
        await api.get(`/v1/workspaces/${ws.id}/notes?cursor=${cursor}`, {
          token: user.accessToken,
        }),
        400,
        'invalid-cursor',
      );
    });
  });

  describe('upper-case UUIDs in paths', () => {
    it('names the same resource as the lower-case form on every kind of route', async () => {
      const team = await createTeam(api);
      const token = team.owner.accessToken;
      const ws = team.workspaceId.toUpperCase();
      const member = team.member.id.toUpperCase();
      expect((await api.get(`/v1/workspaces/${ws}`, { token })).body.id).toBe(team.workspaceId);
      const audit = await api.get(`/v1/workspaces/${ws}/audit-events`, { token });
      expect(audit.status).toBe(200);
      expect(audit.body.data.length).toBeGreaterThan(0);
      expect((await api.get(`/v1/workspaces/${ws}/audit-events/verify`, { token })).status).toBe(
        200,
      );
      const got = await api.get(`/v1/workspaces/${ws}/members/${member}`, { token });
      expect(got.status).toBe(200);
      const changed = await api.patch(
        `/v1/workspaces/${ws}/members/${member}`,
        { role: 'viewer' },
        { token },
      );
      expect(changed.status).toBe(200);
      expect(changed.body.role).toBe('viewer');
      const removed = await api.delete(`/v1/workspaces/${ws}/members/${member}`, { token });
      expect(removed.status).toBe(204);
      expectProblem(
        await api.get(`/v1/workspaces/${team.workspaceId}/members/${team.member.id}`, { token }),
        404,
      );
      const board = await api.post(`/v1/workspaces/${ws}/boards`, { name: 'b' }, { token });
      expect(board.status).toBe(201);
      expect(board.body.workspaceId).toBe(team.workspaceId);
      const b = await api.get(`/v1/boards/${String(board.body.id).toUpperCase()}`, { token });
      expect(b.status).toBe(200);
      expect(b.body.id).toBe(board.body.id);
    });
  });

  describe('OpenAPI lists every status an operation can answer', () => {
    it('documents transport problems everywhere and body problems on body routes', async () => {
      const doc = (await api.get('/openapi.json')).body;
      for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          const route = `${method} ${path}`;
          const statuses = Object.keys(op.responses);
          // 429 only where a limiter counts: every /v1 route; probes and docs are never limited.
          const transport = ['400', '408', '414', '431', '500', '503'];
          expect({ route, statuses }).toEqual({
            route,
            statuses: expect.arrayContaining(
              path.startsWith('/v1/') ? [...transport, '429'] : transport,
            ),
          });
          if (op.requestBody)
            expect({ route, statuses }).toEqual({
              route,
              statuses: expect.arrayContaining(['413', '415', '422']),
            });
          if ((op.parameters ?? []).some((p: any) => p.in === 'query'))
            expect({ route, statuses }).toEqual({
              route,
              statuses: expect.arrayContaining(['422']),
            });
        }
      }
      const types: string[] = doc.components.schemas.Problem.properties.type.enum;
      for (const code of ['uri-too-long', 'headers-too-large', 'request-timeout'])
        expect(types).toContain(`https://workdeck.dev/problems/${code}`);
    });
  });
});

describe('pre-authentication throttling', () => {
  const LIMIT = 8;
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp({ PRE_AUTH_RATE_LIMIT_PER_MINUTE: String(LIMIT) });
    api = client(app);
  });
  afterAll(() => app.stop());

  it('answers a flood of random tokens from one address with 429 before authenticating', async () => {
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < LIMIT + 3; i++) {
      const token =
        i % 3 === 0
          ? `wd_${randomBytes(32).toString('base64url')}`
          : i % 3 === 1
            ? 'eyJhbGciOiJIUzI1NiJ9.e30.' + randomBytes(16).toString('base64url')
            : undefined;
      const res = await api.get('/v1/me', token ? { token } : {});
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
    expect(statuses.slice(LIMIT)).toEqual([429, 429, 429]);
    expectProblem(limited!, 429, 'rate-limited');
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited!.headers.get('ratelimit-limit')).toBe(String(LIMIT));
    expect(limited!.headers.get('ratelimit-remaining')).toBe('0');
    // Health probes are never limited.
    expect((await api.get('/health/live')).status).toBe(200);
  });
});
