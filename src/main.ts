// First: tracing (when the OTEL_* variables switch it on) must be set up before the app loads.
import { shutdownTracing } from './tracing/register.js';
import 'reflect-metadata';
import { ConfigValidationError, validateEnv } from './config/env.schema.js';
import { DataDirLockedError, lockDataDir } from './database/data-dir-lock.js';
import { pgliteDataDir, pgliteLockFile } from './database/embedded-paths.js';

/** Starts the API. A bad configuration ends the process with one line per bad variable. */
async function main(): Promise<void> {
  let env;
  try {
    env = validateEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`Invalid configuration: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (!env.DATABASE_URL) {
    // The embedded database's directory belongs to one process: a second one stops here, with
    // one line, before loading anything.
    const lockFile = pgliteLockFile(pgliteDataDir(env.DATA_DIR));
    try {
      if (lockFile) lockDataDir(lockFile);
    } catch (err) {
      if (err instanceof DataDirLockedError) {
        process.stderr.write(`workdeck cannot start: ${err.message}\n`);
        process.exit(1);
      }
      throw err;
    }
    // Preparing a new data directory (a copy of a template; the very first time, initdb in a
    // child process) and starting PGlite take seconds: begun now, they overlap loading the
    // application's modules, and the pool picks the database up when it is created.
    const { PGlitePool } = await import('./database/pglite-pool.js');
    void PGlitePool.open(pgliteDataDir(env.DATA_DIR));
  }
  const { createApp, drainAndClose } = await import('./app.factory.js');
  const { appConfig } = await import('./config/app.config.js');
  const { Logger } = await import('@nestjs/common');
  const config = appConfig();
  const app = await createApp(config);
  const logger = new Logger('Bootstrap');
  let draining = false;
  const drain = async (signal: NodeJS.Signals) => {
    // A second signal while draining changes nothing; the timeout below bounds the drain.
    if (draining) return;
    draining = true;
    logger.log({ signal }, 'shutting down: draining requests, jobs and the pool');
    // A drain that hangs (a stuck query) must not keep the process alive forever.
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    // Half the budget may go to taking in connections clients opened before the signal.
    await drainAndClose(app, config.shutdownTimeoutMs / 2);
    // Spans of the last requests are still buffered in the exporter.
    await shutdownTracing().catch((err: unknown) =>
      logger.warn({ err }, 'traces could not be flushed at shutdown'),
    );
    process.exit(0);
  };
  process.on('SIGTERM', (s) => void drain(s));
  process.on('SIGINT', (s) => void drain(s));
  await app.listen({ port: config.port, host: config.host });
  const url = `http://${publicHost(config.host)}:${config.port}`;
  logger.log(
    { url, docs: `${url}/docs`, database: env.DATABASE_URL ? 'postgresql' : 'embedded' },
    `workdeck is listening on ${url} (API docs: ${url}/docs)`,
  );
}

/** A host a person can open: the wildcard addresses mean "this machine". */
function publicHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

main().catch((err: unknown) => {
  process.stderr.write(
    `workdeck failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
