import type { IncomingMessage } from 'node:http';
import { ModulesContainer, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { clientErrorHandler, registerBoundedJsonParser } from './common/http-transport.js';
import { decorateOpenApi } from './common/openapi.js';
import { collectOperationFacts } from './common/openapi-facts.js';
import { sendProblem } from './common/problem.filter.js';
import { HELMET_OPTIONS, securityHeaders } from './common/security-headers.js';
import type { AppConfig } from './config/app.config.js';
import { newId } from './database/uuid.js';
import { MetricsService } from './kernel/metrics.js';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** How often Node checks connections against the header and request timeouts (its default is 30 s). */
const MAX_TIMEOUT_CHECK_INTERVAL_MS = 1000;
const TIMEOUT_CHECKS_PER_BOUND = 4;

/** Builds the configured application (not yet listening): main.ts and the tests share it. */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: false,
    requestIdHeader: false,
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
      const id =
        typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : newId();
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
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsService);

  fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('X-Request-Id', request.id);
  });
  // While draining, answers close their connection so that keep-alive clients let go.
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onSend', async (_request: FastifyRequest, reply: FastifyReply) => {
    if (closing) void reply.header('connection', 'close');
  });
  fastify.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
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
  // Errors Fastify raises before Nest sees the request (body parsing, size, media type).
  fastify.setErrorHandler((err, request, reply) => sendProblem(reply, request, err));

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

  const document = SwaggerModule.createDocument(
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
  );
  const facts = collectOperationFacts(app.get(ModulesContainer));
  SwaggerModule.setup('docs', app, decorateOpenApi(document, { facts }), {
    jsonDocumentUrl: 'openapi.json',
    yamlDocumentUrl: 'openapi.yaml',
    // The bearer token entered in "Authorize" survives a reload of the page.
    swaggerOptions: { persistAuthorization: true },
  });
  return app;
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
