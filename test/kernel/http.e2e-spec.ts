import { startApp, type TestApp } from '../support/app.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { registerUser } from '../support/factories.js';

describe('HTTP kernel', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp({ BODY_LIMIT_BYTES: '2048' });
    api = client(app);
  });
  afterAll(() => app.stop());

  it('answers an unknown route with a 404 problem', async () => {
    expectProblem(await api.get('/v1/nope'), 404, 'route-not-found');
  });

  it('answers malformed JSON with a 400 problem', async () => {
    const res = await api.request('POST', '/v1/auth/register', undefined, { raw: '{"email": ' });
    expectProblem(res, 400, 'malformed-request');
  });

  it('answers a non-JSON body with 415', async () => {
    const res = await api.request('POST', '/v1/auth/register', undefined, {
      raw: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expectProblem(res, 415, 'unsupported-media-type');
  });

  it('answers a body over the limit with 413', async () => {
    const res = await api.post('/v1/auth/register', {
      email: 'a@example.com',
      password: 'x'.repeat(4000),
      name: 'n',
    });
    expectProblem(res, 413, 'payload-too-large');
  });

  it('answers field errors with 422 and one entry per field', async () => {
    const res = await api.post('/v1/auth/register', {
      email: 'not-an-email',
      password: 'short',
      name: '',
      extra: 1,
    });
    expectProblem(res, 422, 'validation-failed');
    const fields = (res.body.errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(new Set(fields)).toEqual(new Set(['email', 'password', 'name', 'extra']));
  });

  it('rejects NUL characters as a validation error, never a 500', async () => {
    const res = await api.post('/v1/auth/register', {
      email: 'a@example.com',
      password: 'long enough password',
      name: 'a\u0000b',
    });
    expectProblem(res, 422, 'validation-failed');
    expect(res.body.errors).toEqual([{ field: 'name', message: expect.stringContaining('NUL') }]);
  });

  it('keeps a valid incoming X-Request-Id and replaces an invalid one', async () => {
    const kept = await api.get('/health/live', { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const replaced = await api.get('/health/live', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs JSON lines carrying the request id, with secrets redacted', async () => {
    const user = await registerUser(api);
    const res = await api.get('/v1/me', {
      token: user.accessToken,
      headers: { 'x-request-id': 'trace-me-42' },
    });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    const lines = app
      .output()
      .split('\n')
      .filter((l) => l.includes('trace-me-42'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    // One access line per response, with what a reader of the log needs.
    expect(lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request completed')).toEqual([
      expect.objectContaining({
        requestId: 'trace-me-42',
        method: 'GET',
        url: '/v1/me',
        statusCode: 200,
        responseTime: expect.any(Number),
      }),
    ]);
    expect(app.output()).not.toContain(user.accessToken);
    expect(app.output()).not.toContain(user.password);
  });

  it('sets security headers and no X-Powered-By', async () => {
    const res = await api.get('/health/live');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('reports readiness and liveness', async () => {
    expect((await api.get('/health/live')).body).toEqual({ status: 'ok' });
    const ready = await api.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info.database.status).toBe('up');
  });

  it('exposes Prometheus metrics with a latency histogram per route', async () => {
    await api.get('/v1/me');
    const res = await api.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toContain('workdeck_http_request_duration_seconds_bucket');
    expect(res.text).toMatch(/route="\/v1\/me"/);
  });

  it('documents every route, the bearer scheme and the problem schema', async () => {
    const res = await api.get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.components.securitySchemes.bearer).toBeDefined();
    expect(doc.components.schemas.Problem.required).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'instance', 'requestId']),
    );
    for (const path of [
      '/v1/auth/register',
      '/v1/workspaces/{workspaceId}/members/{userId}',
      '/health/ready',
      '/metrics',
    ]) {
      expect(doc.paths[path]).toBeDefined();
    }
    for (const [path, ops] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect({ route: `${method} ${path}`, has500: Boolean(op.responses['500']) }).toEqual({
          route: `${method} ${path}`,
          has500: true,
        });
      }
    }
    const wsParam = doc.paths['/v1/workspaces/{workspaceId}'].get.parameters.find(
      (p: any) => p.name === 'workspaceId',
    );
    expect(wsParam.schema.format).toBe('uuid');
    const ui = await api.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });
});
