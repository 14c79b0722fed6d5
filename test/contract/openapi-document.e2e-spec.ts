import { startApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';

/**
 * The served /openapi.json as a client generator reads it: response headers, integer types,
 * public operations, optional defaulted request fields, realistic per-status problems, the
 * readiness problem, the NDJSON/CSV export, descriptions, tags and servers.
 */
type Json = Record<string, any>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
/** Real-valued on purpose: full-text ranks, a success rate. */
const REAL_NUMBERS = new Set([
  'NoteSummaryDto.rank',
  'LinkedNoteDto.rank',
  'ConnectorHealthDto.successRate24h',
]);

describe('the OpenAPI document', () => {
  let app: TestApp;
  let doc: Json;
  let api: ReturnType<typeof client>;
  const operations: Array<{ method: string; path: string; op: Json }> = [];
  const header = (ref: Json) =>
    ref.$ref ? doc.components.headers[String(ref.$ref).split('/').pop()!] : ref;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
    doc = (await api.get('/openapi.json')).body;
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      for (const method of METHODS)
        if (item[method]) operations.push({ method, path, op: item[method] });
    }
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('types integer fields and `limit` as integer', () => {
    const numbers: string[] = [];
    for (const [name, schema] of Object.entries<Json>(doc.components.schemas)) {
      for (const [prop, s] of Object.entries<Json>(schema.properties ?? {})) {
        if (s.type === 'number' && !REAL_NUMBERS.has(`${name}.${prop}`))
          numbers.push(`${name}.${prop}`);
      }
    }
    expect(numbers).toEqual([]);
    expect(doc.components.schemas.CardResponseDto.properties.version.type).toBe('integer');
    expect(doc.components.schemas.CreateColumnDto.properties.wipLimit.type).toBe('integer');
    const limit = doc.paths['/v1/boards/{boardId}/cards'].get.parameters.find(
      (p: Json) => p.name === 'limit',
    );
    expect(limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 200 });
  });

  it('documents X-Request-Id on every answer, RateLimit-* where limited, Retry-After on 429', () => {
    for (const { method, path, op } of operations) {
      for (const [status, response] of Object.entries<Json>(op.responses)) {
        const names = Object.keys(response.headers ?? {});
        expect({ at: `${method} ${path} ${status}`, names }).toEqual({
          at: `${method} ${path} ${status}`,
          names: expect.arrayContaining(['X-Request-Id']),
        });
        if (status === '429') expect(names).toEqual(expect.arrayContaining(['Retry-After']));
      }
    }
    expect(header(doc.components.headers['X-Request-Id']).required).toBe(true);
    const card = doc.paths['/v1/cards/{cardId}'].get.responses['200'].headers;
    expect(Object.keys(card)).toEqual(
      expect.arrayContaining(['ETag', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
    );
    // Unthrottled probes carry no rate-limit headers and no 429.
    const live = doc.paths['/health/live'].get.responses;
    expect(Object.keys(live['200'].headers)).not.toContain('RateLimit-Limit');
    expect(live['429']).toBeUndefined();
    // Lists carry no ETag (no single version).
    expect(
      Object.keys(doc.paths['/v1/boards/{boardId}/cards'].get.responses['200'].headers),
    ).not.toContain('ETag');
  });

  it('documents Idempotency-Key and Idempotent-Replayed where the server honours them', () => {
    const create = doc.paths['/v1/workspaces'].post;
    expect(create.parameters.map((p: Json) => p.name)).toContain('Idempotency-Key');
    expect(Object.keys(create.responses['201'].headers)).toContain('Idempotent-Replayed');
    // Login answers with credentials, which are never stored for replay.
    const login = doc.paths['/v1/auth/login'].post;
    expect((login.parameters ?? []).map((p: Json) => p.name)).not.toContain('Idempotency-Key');
    expect(Object.keys(login.responses['200'].headers)).not.toContain('Idempotent-Replayed');
  });

  it('headers the document promises are sent', async () => {
    const user = (
      await api.post('/v1/auth/register', {
        email: `doc-${Date.now()}@example.com`,
        password: 'correct horse battery staple',
        name: 'Doc',
      })
    ).body;
    const headers = { 'idempotency-key': `k-${Date.now()}` };
    const first = await api.post(
      '/v1/workspaces',
      { name: 'Doc' },
      { token: user.accessToken, headers },
    );
    const again = await api.post(
      '/v1/workspaces',
      { name: 'Doc' },
      { token: user.accessToken, headers },
    );
    expect(first.status).toBe(201);
    expect(first.headers.get('etag')).toBe(`"${first.body.version}"`);
    expect(first.headers.get('ratelimit-limit')).toMatch(/^\d+$/);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('marks public operations `security: []` and every other one bearer', () => {
    for (const path of [
      '/v1/auth/register',
      '/v1/auth/login',
      '/v1/auth/refresh',
      '/health/ready',
    ]) {
      const op = Object.values<Json>(doc.paths[path])[0];
      expect({ path, security: op.security }).toEqual({ path, security: [] });
    }
    for (const { method, path, op } of operations) {
      if (op.security.length === 0) continue;
      expect({
        at: `${method} ${path}`,
        security: op.security,
        has401: Boolean(op.responses['401']),
      }).toEqual({
        at: `${method} ${path}`,
        security: [{ bearer: [] }],
        has401: true,
      });
    }
  });

  it('gives every operation an operationId, a description and a declared tag; servers are set', () => {
    const declared = new Set(doc.tags.map((t: Json) => t.name));
    const ids = new Set<string>();
    for (const { method, path, op } of operations) {
      expect({ at: `${method} ${path}`, description: Boolean(op.description?.trim()) }).toEqual({
        at: `${method} ${path}`,
        description: true,
      });
      expect(op.operationId).toMatch(/^\w+$/);
      ids.add(op.operationId);
      for (const tag of op.tags) expect(declared).toContain(tag);
    }
    expect(ids.size).toBe(operations.length);
    expect(doc.servers.length).toBeGreaterThan(0);
  });

  it('keeps request fields with server defaults optional for generated clients', () => {
    const isDone = doc.components.schemas.CreateColumnDto.properties.isDone;
    expect(isDone.default).toBeUndefined();
    expect(isDone.description).toContain('Default: `false`');
    expect(doc.components.schemas.CreateColumnDto.required ?? []).not.toContain('isDone');
  });

  it('describes the in-progress flag of columns: optional in requests, always in answers', () => {
    const { CreateColumnDto, UpdateColumnDto, ColumnResponseDto } = doc.components.schemas;
    for (const schema of [CreateColumnDto, UpdateColumnDto]) {
      expect(schema.properties.inProgress.type).toBe('boolean');
      expect(schema.required ?? []).not.toContain('inProgress');
    }
    expect(CreateColumnDto.properties.inProgress.description).toContain('Default: `false`');
    expect(ColumnResponseDto.properties.inProgress.type).toBe('boolean');
    expect(ColumnResponseDto.required).toContain('inProgress');
  });

  it('gives each error status its own realistic problem example', () => {
    const examples = new Map<string, Json>();
    for (const { op } of operations) {
      for (const [status, response] of Object.entries<Json>(op.responses)) {
        const example = response.content?.['application/problem+json']?.example;
        if (Number(status) >= 400) expect(example?.status).toBe(Number(status));
        if (example) examples.set(status, example);
      }
    }
    for (const status of ['401', '403', '404', '409', '412', '422', '429', '500']) {
      expect(examples.get(status)?.status).toBe(Number(status));
    }
    expect(examples.get('401')!.type).toBe('https://workdeck.dev/problems/unauthenticated');
    expect(examples.get('429')!.type).toBe('https://workdeck.dev/problems/rate-limited');
    expect(examples.get('500')!.type).toBe('https://workdeck.dev/problems/internal');
    expect(examples.get('422')!.errors).toHaveLength(1);
  });

  it('documents the readiness 503 as the problem the server sends', () => {
    const ready = doc.paths['/health/ready'].get.responses;
    expect(Object.keys(ready['503'].content)).toEqual(['application/problem+json']);
    expect(ready['503'].content['application/problem+json'].schema.$ref).toBe(
      '#/components/schemas/Problem',
    );
  });

  it('documents the audit export as NDJSON or CSV text, never JSON', () => {
    const ok = doc.paths['/v1/workspaces/{workspaceId}/audit-events/export'].get.responses['200'];
    expect(Object.keys(ok.content).sort()).toEqual(['application/x-ndjson', 'text/csv']);
  });

  it('answers a NUL character in a path parameter as a malformed request', async () => {
    const user = (
      await api.post('/v1/auth/register', {
        email: `nul-${Date.now()}@example.com`,
        password: 'correct horse battery staple',
        name: 'Nul',
      })
    ).body;
    const res = await api.get('/v1/workspaces/a%00b', { token: user.accessToken });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('https://workdeck.dev/problems/malformed-request');
  });

  it('refuses an unpaired surrogate in a JSON body as a validation error, not a 500', async () => {
    // The email validator throws on one (found by the fuzz spec).
    const res = await api.post('/v1/auth/login', undefined, {
      raw: '{"email":"\\ud800@example.com","password":"whatever password"}',
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      { field: 'email', message: expect.stringContaining('unpaired surrogate') },
    ]);
  });
});
