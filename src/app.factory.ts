import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';
import { AppModule } from './app.module.js';
import { etagHook } from './common/etag.js';
import { clientErrorHandler, registerBoundedJsonParser } from './common/http-transport.js';
import { decorateOpenApi } from './common/openapi.js';
import { collectOperationFacts } from './common/openapi-facts.js';
import { sendProblem } from './common/problem.filter.js';
import { RequestContext } from './common/request-context.js';
import { HELMET_OPTIONS, securityHeaders } from './common/security-headers.js';
import type { AppConfig } from './config/app.config.js';
import { MetricsService } from './kernel/metrics.js';
import { Tracing } from './tracing/tracing.js';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** How often Node checks connections against the header and request timeouts (its default is 30 s). */
const MAX_TIMEOUT_CHECK_INTERVAL_MS = 1000;
const TIMEOUT_CHECKS_PER_BOUND = 4;
/** How often the drain looks for connections it may close, and how many quiet looks it needs. */
const DRAIN_POLL_MS = 100;
const DRAIN_QUIET_POLLS = 2;
/**
 * Accepting what is queued in the kernel (see `drainAndClose`) ends once no new connection came
 * for this long, or after the maximum if clients never stop connecting.
 */
const DRAIN_ACCEPT_QUIET_MS = 150;
const DRAIN_ACCEPT_MAX_MS = 2000;

interface TrafficCounters {
  /** Requests between `onRequest` and the end of their response. */
  inFlight: number;
  /** Requests started since start. */
  started: number;
  /** Connections accepted since start. */
  accepted: number;
}
const traffic = new WeakMap<NestFastifyApplication, TrafficCounters>();

/**
 * Nest's bootstrap chatter (one line per module and per route, ~100 lines) is useful when
 * debugging wiring, noise on every start: it is logged at debug level instead of info.
 */
const FRAMEWORK_BOOT_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

class QuietBootLogger implements LoggerService {
  constructor(private readonly inner: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params.at(-1);
    if (typeof context === 'string' && FRAMEWORK_BOOT_CONTEXTS.has(context)) {
      this.inner.debug(message, ...params);
    } else {
      this.inner.log(message, ...params);
    }
  }
  error(message: unknown, ...params: unknown[]): void {
    this.inner.error(message, ...params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.inner.warn(message, ...params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.inner.debug(message, ...params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.inner.verbose(message, ...params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.inner.fatal(message, ...params);
  }
}

/** Builds the configured application (not yet listening): main.ts and the tests share it. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: false,
    requestIdHeader: false,
    // No Nest middleware is registered (logging is a hook, see logAccess): no middie layer.
    skipMiddie: true,
    // Requests that reach the server while it drains are still answered (see `drainAndClose`):
    // a client that sent its request before SIGTERM must not get a 503 because the event loop
    // was busy (PGlite runs queries on the main thread) and read it a little late.
    return503OnClosing: false,
    // Slow clients are cut: headers, the whole request, and idle keep-alive connections are
    // bounded (behind a proxy, keep-alive outlives the proxy's own idle timeout).
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: {
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(
        MAX_TIMEOUT_CHECK_INTERVAL_MS,
        Math.ceil(config.headersTimeoutMs / TIMEOUT_CHECKS_PER_BOUND),
      ),
    },
    // Errors before routing (a bad %-escape, an over-long parameter) and those of Node's
    // HTTP parser (431, 408) are problems too.
    frameworkErrors: (err: Error, request: FastifyRequest, reply: FastifyReply) => {
      void reply.header('X-Request-Id', request.id);
      sendProblem(reply, request, err);
    },
    clientErrorHandler,
    // Keep a well-formed incoming X-Request-Id, else make one; the logger reads the header.
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers['x-request-id'];
      // A request id only has to be unique: Node's pooled random UUID, not a time-ordered key.
      const id =
        typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
      req.headers['x-request-id'] = id;
      return id;
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, {
    bufferLogs: true,
    // Nest's JSON parser has no depth bound; ours (below) has, and keeps the raw bytes for
    // inbound hooks' signatures. Forms are not accepted (415).
    bodyParser: false,
  });
  app.useLogger(new QuietBootLogger(app.get(Logger)));
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);
  const counters: TrafficCounters = { inFlight: 0, started: 0, accepted: 0 };
  traffic.set(app, counters);
  fastify.server.on('connection', () => (counters.accepted += 1));

  // Per-request hooks take a callback, not an async function: no promise per hook and request.
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done) => {
    counters.inFlight += 1;
    counters.started += 1;
    // 'close' fires once per response, whether it finished or the client went away.
    reply.raw.once('close', () => (counters.inFlight -= 1));
    void reply.header('X-Request-Id', request.id);
    Tracing.nameRequest(request.method, request.routeOptions.url);
    done();
  });
  // The request's context (RequestContext: its id, caller, route) around everything Nest runs
  // for it: guards, pipes, the handler. preHandler is the last hook before the handler, after
  // the body was read (a body arrives in the socket's async context, not the request's).
  fastify.addHook('preHandler', (request: FastifyRequest, _reply: FastifyReply, done) =>
    RequestContext.enterHttp(request, done),
  );
  fastify.addHook('preSerialization', etagHook);
  // While draining, answers close their connection so that keep-alive clients let go.
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onSend', (_request: FastifyRequest, reply: FastifyReply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  const accessLog = PinoLogger.root;
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
    const status = reply.statusCode;
    const elapsedMs = reply.elapsedTime;
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(status),
      },
      elapsedMs / 1000,
    );
    logAccess(accessLog, request, status, elapsedMs);
    done();
  });
  // A route may accept larger bodies than BODY_LIMIT_BYTES with `@RouteConfig({ bodyLimit })`
  // (notes carry 1 MiB markdown bodies); it never lowers the configured limit.
  fastify.addHook('onRoute', (route) => {
    const wanted = (route.config as { bodyLimit?: unknown } | undefined)?.bodyLimit;
    if (typeof wanted === 'number' && wanted > (route.bodyLimit ?? config.bodyLimitBytes)) {
      route.bodyLimit = wanted;
    }
  });
  // Bodies are JSON only: anything else is 415, not parsed as text.
  fastify.removeContentTypeParser('text/plain');
  registerBoundedJsonParser(fastify);
  // Errors Fastify raises after routing (body parsing, size, media type) need no handler of
  // ours: Nest installs Fastify's error handler at init and sends them through the global
  // ProblemFilter. Installing a second one here only made Fastify warn (FSTWRN004) and lose.

  // Helmet's headers, computed once (see securityHeaders), on every response as helmet sets them.
  const security = securityHeaders(HELMET_OPTIONS);
  fastify.addHook('onRequest', (_request: FastifyRequest, reply: FastifyReply, done) => {
    for (const [name, value] of security) reply.raw.setHeader(name, value);
    done();
  });
  app.enableCors({
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    exposedHeaders: EXPOSED_HEADERS,
  });

  // The document (every operation and schema, 1.4 MB of JSON) is built when it is first asked
  // for (/docs, /openapi.json, /openapi.yaml), not at start: start-up does not wait for it, and
  // a server nobody reads the documentation of does not hold it.
  const document = () =>
    decorateOpenApi(
      SwaggerModule.createDocument(
        app,
        new DocumentBuilder()
          .setTitle('workdeck API')
          .setDescription(
            'Team workspaces: boards, notes, reminders, audit log, connectors and dashboard.',
          )
          .setVersion('1')
          .addBearerAuth({
            type: 'http',
            scheme: 'bearer',
            description: 'JWT access token or personal API token (wd_...)',
          })
          .build(),
      ),
      { facts: collectOperationFacts(app.get(ModulesContainer)) },
    );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    // The bearer token entered in "Authorize" survives a reload of the page.
    swaggerOptions: { persistAuthorization: true },
  });
  return app;
}

/**
 * Closes the application the way SIGTERM should: stop accepting connections, answer every
 * request already sent, then run Nest's shutdown (jobs stop, the pool closes).
 *
 * Connections a client opened before the signal may still wait in the kernel's accept queue
 * (the process was busy, or starved of CPU: Node was seen leaving them there for hundreds of
 * milliseconds while PGlite worked through a queue); closing the listening socket resets them.
 * So the listening socket stays open until no request is in flight and no new connection came
 * for a moment (bounded in time), and their requests are answered like the others.
 *
 * Node's `server.close()` (and Fastify's `forceCloseConnections: 'idle'`) destroy every
 * connection without an active request at that instant. That includes connections whose request
 * already sits unread in the socket buffer because the event loop was busy, which is the normal
 * state under load on PGlite (its queries run on the main thread): those clients got a reset.
 * Here idle connections are closed only once no request has been in flight for a few polls, so
 * anything sent before the signal has been read by then; answers given while draining carry
 * `Connection: close`, so keep-alive clients let go and the server can finish closing.
 */
export async function drainAndClose(
  app: NestFastifyApplication,
  acceptForAtMostMs = DRAIN_ACCEPT_MAX_MS,
): Promise<void> {
  const server = app.getHttpServer() as Server;
  const counters = traffic.get(app) ?? { inFlight: 0, started: 0, accepted: 0 };
  const closeIdleConnections = server.closeIdleConnections.bind(server);
  server.closeIdleConnections = () => undefined;
  const acceptUntil = Date.now() + acceptForAtMostMs;
  for (let before = -1; Date.now() < acceptUntil;) {
    if (counters.accepted === before && counters.inFlight === 0) break;
    before = counters.accepted;
    // A timer, then the check phase: the loop has polled the listening socket in between.
    await new Promise((resolve) => setTimeout(resolve, DRAIN_ACCEPT_QUIET_MS));
    await new Promise((resolve) => setImmediate(resolve));
  }
  let quietPolls = 0;
  let startedBefore = counters.started;
  // Looked at in the check phase (setImmediate), right after the event loop polled the sockets:
  // from a timer callback, data that arrived while the loop was busy would not be read yet.
  const look = () => {
    const quiet = counters.inFlight === 0 && counters.started === startedBefore;
    quietPolls = quiet ? quietPolls + 1 : 0;
    startedBefore = counters.started;
    if (quietPolls >= DRAIN_QUIET_POLLS) closeIdleConnections();
  };
  const reaper = setInterval(() => setImmediate(look), DRAIN_POLL_MS);
  try {
    await app.close();
  } finally {
    clearInterval(reaper);
  }
}

/** Probes and scrapes are polled constantly: their lines would drown the rest. */
const UNLOGGED_URLS = new Set(['/health/live', '/metrics']);

/**
 * The access line of a response: one object, no per-request child logger. Server errors at
 * `error`, everything else at `info`.
 */
function logAccess(logger: Pino, request: FastifyRequest, status: number, elapsedMs: number): void {
  if (UNLOGGED_URLS.has(request.url)) return;
  const line = {
    requestId: request.id,
    method: request.method,
    url: request.url,
    statusCode: status,
    responseTime: Math.round(elapsedMs),
  };
  if (status >= 500) logger.error(line, 'request errored');
  else logger.info(line, 'request completed');
}

const EXPOSED_HEADERS = [
  'X-Request-Id',
  'ETag',
  'Idempotent-Replayed',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Retry-After',
];
