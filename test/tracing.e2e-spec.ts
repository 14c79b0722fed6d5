import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startApp, type TestApp } from './support/app.js';
import { client } from './support/http.js';
import { PASSWORD, uniqueEmail } from './support/factories.js';

/** Starting an app takes tens of seconds on a busy machine; exporting adds a batch delay. */
const APP_TIMEOUT_MS = 180_000;

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;
const EXPORT_WAIT_MS = 30_000;

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

/** A minimal OTLP/HTTP (JSON) trace collector on 127.0.0.1, keeping every span it receives. */
async function startCollector(): Promise<{
  url: string;
  spans: ExportedSpan[];
  close(): Promise<void>;
}> {
  const spans: ExportedSpan[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const payload = JSON.parse(body) as {
        resourceSpans: { scopeSpans: { spans: (ExportedSpan & { attributes: unknown[] })[] }[] }[];
      };
      for (const rs of payload.resourceSpans)
        for (const ss of rs.scopeSpans)
          for (const s of ss.spans) {
            const attributes: Record<string, unknown> = {};
            for (const a of s.attributes as { key: string; value: Record<string, unknown> }[])
              attributes[a.key] = Object.values(a.value)[0];
            spans.push({ ...s, attributes });
          }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function until<T>(probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + EXPORT_WAIT_MS;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('spans did not arrive in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function logLines(app: TestApp): Record<string, unknown>[] {
  return app
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('tracing with the standard OTEL_* variables', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let app: TestApp;

  beforeAll(async () => {
    collector = await startCollector();
    app = await startApp({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_SERVICE_NAME: 'workdeck-under-test',
    });
  }, APP_TIMEOUT_MS);
  afterAll(async () => {
    await app?.stop();
    await collector?.close();
  });

  it(
    'continues an incoming traceparent: a request span, a span per query, ids on its logs',
    async () => {
      const res = await client(app).post(
        '/v1/auth/register',
        { email: uniqueEmail('traced'), password: PASSWORD, name: 'Traced' },
        { headers: { traceparent: TRACEPARENT } },
      );
      expect(res.status).toBe(201);
      const requestId = res.headers.get('x-request-id');

      const server = await until(() =>
        collector.spans.find((s) => s.traceId === TRACE_ID && s.parentSpanId === PARENT_SPAN_ID),
      );
      expect(server.name).toBe('POST /v1/auth/register');
      expect(server.attributes['http.route']).toBe('/v1/auth/register');
      expect(
        server.attributes['http.response.status_code'] ?? server.attributes['http.status_code'],
      ).toBe(201);

      // The user and its audit event are written: each statement is a span of the same trace.
      const queries = await until(() => {
        const found = collector.spans.filter(
          (s) => s.traceId === TRACE_ID && s.attributes['db.system.name'] === 'postgresql',
        );
        return found.some((s) => /INSERT/i.test(String(s.attributes['db.query.text'])))
          ? found
          : undefined;
      });
      expect(queries.length).toBeGreaterThan(1);
      const traceSpanIds = new Set(
        collector.spans.filter((s) => s.traceId === TRACE_ID).map((s) => s.spanId),
      );
      for (const q of queries) expect(traceSpanIds.has(q.parentSpanId ?? '')).toBe(true);

      // Every log line of that request names the trace and one of its spans.
      const lines = logLines(app).filter((l) => l.requestId === requestId);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line.traceId).toBe(TRACE_ID);
        expect(traceSpanIds.has(String(line.spanId))).toBe(true);
      }
    },
    APP_TIMEOUT_MS,
  );

  it(
    'starts a new trace for a request without traceparent, and answers its health probes untraced',
    async () => {
      const res = await client(app).get('/v1/me');
      expect(res.status).toBe(401);
      const requestId = res.headers.get('x-request-id');
      const line = await until(() => logLines(app).find((l) => l.requestId === requestId));
      expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(line.traceId).not.toBe(TRACE_ID);
      await until(() => collector.spans.find((s) => s.traceId === line.traceId));
      expect(collector.spans.some((s) => s.attributes['http.route'] === '/health/ready')).toBe(
        false,
      );
    },
    APP_TIMEOUT_MS,
  );
});

describe('tracing off (the default)', () => {
  it(
    'puts no trace ids on log lines, even for a request carrying traceparent',
    async () => {
      const app = await startApp();
      try {
        const res = await client(app).get('/v1/me', {
          headers: { traceparent: TRACEPARENT },
        });
        expect(res.status).toBe(401);
        const requestId = res.headers.get('x-request-id');
        const line = await until(() => logLines(app).find((l) => l.requestId === requestId));
        expect(line).not.toHaveProperty('traceId');
        expect(line).not.toHaveProperty('spanId');
      } finally {
        await app.stop();
      }
    },
    APP_TIMEOUT_MS,
  );
});
