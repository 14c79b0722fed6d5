/**
 * OpenTelemetry tracing, off unless the standard `OTEL_*` variables ask for it. main.ts imports
 * this module before anything else and loads the application only afterwards, so that the
 * instrumentations are in place before `node:http`, Fastify, `pg` and `ioredis` are loaded: the
 * project is ESM, and an ES module can only be instrumented through a loader hook registered
 * before its first import (import-in-the-middle; CommonJS ones like `pg` through require hooks).
 *
 * On: `OTEL_TRACES_EXPORTER` names an exporter other than `none` (`otlp`, `console`, `zipkin`),
 * or `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; never with
 * `OTEL_SDK_DISABLED=true`. Everything else (protocol, headers, sampler, service name, resource
 * attributes, propagators: W3C trace context and baggage by default) is the SDK's own reading
 * of the standard variables. Metrics and logs stay with Prometheus and stdout unless
 * `OTEL_METRICS_EXPORTER` / `OTEL_LOGS_EXPORTER` are set explicitly.
 */
import { register } from 'node:module';
import { tracingRequested } from './tracing.js';

type Env = Record<string, string | undefined>;

interface Shutdown {
  (): Promise<void>;
}

let shutdown: Shutdown = async () => undefined;

/** Flushes and stops the SDK (spans still buffered are exported); a no-op when tracing is off. */
export function shutdownTracing(): Promise<void> {
  return shutdown();
}

async function startTracing(env: Env): Promise<void> {
  const { createAddHookMessageChannel } = await import('import-in-the-middle');
  // Only the modules an instrumentation asks for are wrapped, not every module the app loads.
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);

  env.OTEL_SERVICE_NAME ??= 'workdeck';
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  const [{ NodeSDK }, { HttpInstrumentation }, { PgInstrumentation }, { IORedisInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-pg'),
      import('@opentelemetry/instrumentation-ioredis'),
    ]);
  const sdk = new NodeSDK({
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes every few seconds would drown the traces that matter.
        ignoreIncomingRequestHook: (req) =>
          req.url === '/health/live' || req.url === '/health/ready' || req.url === '/metrics',
      }),
      // Statements outside a traced request (migrations, jobs) would only add root spans.
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation(),
    ],
  });
  sdk.start();
  shutdown = () => sdk.shutdown();
  await waitForAllMessagesAcknowledged();
}

if (tracingRequested(process.env)) await startTracing(process.env);
