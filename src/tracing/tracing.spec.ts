import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { SpanKind, Tracing, tracingRequested } from './tracing.js';

describe('tracingRequested (the OTEL_* switch)', () => {
  it.each([
    [{}, false],
    [{ OTEL_TRACES_EXPORTER: 'none' }, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none, console' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }, false],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'false' }, true],
  ])('%j -> %s', (env, on) => {
    expect(tracingRequested(env)).toBe(on);
  });
});

describe('Tracing helper', () => {
  it('is a no-op without an SDK: no ids for logs, no traceparent, work still runs', async () => {
    const headers = Tracing.inject({});
    expect(headers).toEqual({});
    await expect(Tracing.inSpan('nothing', {}, async () => Tracing.logFields())).resolves.toEqual(
      {},
    );
  });

  describe('with an SDK and an in-memory exporter', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const contextManager = new AsyncLocalStorageContextManager();

    beforeAll(() => {
      contextManager.enable();
      context.setGlobalContextManager(contextManager);
      trace.setGlobalTracerProvider(provider);
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    });
    afterAll(async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    });
    beforeEach(() => exporter.reset());

    it('injects the active span as traceparent into outbound headers (a webhook)', async () => {
      const sent = await Tracing.inSpan(
        'webhook deliver',
        { kind: SpanKind.CLIENT, attributes: { 'url.full': 'https://example.com/hook' } },
        async () => Tracing.inject({ 'content-type': 'application/json' }),
      );
      const [span] = exporter.getFinishedSpans();
      expect(span.name).toBe('webhook deliver');
      expect(span.kind).toBe(SpanKind.CLIENT);
      const { traceId, spanId } = span.spanContext();
      expect(sent).toEqual({
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${spanId}-01`,
      });
    });

    it('continues an incoming trace and gives its ids to log lines', async () => {
      const incoming = propagation.extract(context.active(), {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      });
      const fields = await context.with(incoming, () =>
        Tracing.inSpan('handle', {}, async () => Tracing.logFields()),
      );
      const [span] = exporter.getFinishedSpans();
      expect(span.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(span.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
      expect(fields).toEqual({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: span.spanContext().spanId,
      });
    });

    it('records a failure on the span and rethrows it', async () => {
      await expect(
        Tracing.inSpan('failing', {}, async () => {
          throw new Error('target answered 500');
        }),
      ).rejects.toThrow('target answered 500');
      const [span] = exporter.getFinishedSpans();
      expect(span.status).toEqual({ code: 2, message: 'target answered 500' });
      expect(span.events.map((e) => e.name)).toEqual(['exception']);
    });

    it('adds no root span for work outside a request when a parent is required', async () => {
      await Tracing.inSpan('statement', { requireParent: true }, async () => undefined);
      expect(exporter.getFinishedSpans()).toHaveLength(0);
      await Tracing.inSpan('request', {}, () =>
        Tracing.inSpan('statement', { requireParent: true }, async () => undefined),
      );
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['statement', 'request']);
    });
  });
});
