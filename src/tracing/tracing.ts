import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';

/** The instrumentation scope of workdeck's own spans. */
const TRACER_NAME = 'workdeck';

/**
 * The small tracing surface the application code uses. Everything here is a no-op costing a
 * function call when tracing is off (no SDK registered: `@opentelemetry/api` hands out no-op
 * tracers and an empty context), so callers never check whether tracing is on.
 */
export const Tracing = {
  /**
   * Adds the W3C `traceparent` (and `tracestate`, baggage) of the active span to outgoing
   * headers, e.g. an outbound webhook, so the receiver continues the trace.
   */
  inject(headers: Record<string, string>): Record<string, string> {
    propagation.inject(context.active(), headers);
    return headers;
  },

  /**
   * Runs `work` inside a new span (a child of the active one), ending it with the outcome: an
   * error is recorded and rethrown. Outbound calls pass `SpanKind.CLIENT` and inject inside.
   */
  async inSpan<T>(
    name: string,
    options: { kind?: SpanKind; attributes?: Attributes; requireParent?: boolean },
    work: (span?: Span) => Promise<T>,
  ): Promise<T> {
    // Work outside any traced request (migrations, background jobs) would only add root spans.
    if (options.requireParent && !trace.getActiveSpan()) return work();
    return trace.getTracer(TRACER_NAME).startActiveSpan(name, options, async (span) => {
      try {
        return await work(span);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    });
  },

  /** `traceId` and `spanId` of the active span, for log lines; empty when nothing is traced. */
  logFields(): { traceId?: string; spanId?: string } {
    const span = trace.getActiveSpan();
    if (!span) return {};
    const { traceId, spanId } = span.spanContext();
    return { traceId, spanId };
  },

  /** Names the request's server span after its route template (`GET /v1/cards/:cardId`). */
  nameRequest(method: string, route: string | undefined): void {
    const span = trace.getActiveSpan();
    if (!span || !route) return;
    span.setAttribute('http.route', route);
    span.updateName(`${method} ${route}`);
  },
};

export { SpanKind };

/**
 * Whether the environment switches tracing on: `OTEL_TRACES_EXPORTER` names an exporter other
 * than `none`, or an OTLP endpoint is set; never with `OTEL_SDK_DISABLED=true`.
 */
export function tracingRequested(env: Record<string, string | undefined>): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (exporters.length > 0) return exporters.some((e) => e !== 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}
