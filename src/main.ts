import 'reflect-metadata';
import { ConfigValidationError, validateEnv } from './config/env.schema.js';

/** Starts the API. A bad configuration ends the process with one line per bad variable. */
async function main(): Promise<void> {
  try {
    validateEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigValidationError) {
      process.stderr.write(`Invalid configuration: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const { createApp } = await import('./app.factory.js');
  const { appConfig } = await import('./config/app.config.js');
  const { Logger } = await import('nestjs-pino');
  const config = appConfig();
  const app = await createApp(config);
  const drain = async (signal: NodeJS.Signals) => {
    const logger = app.get(Logger);
    logger.log({ signal }, 'shutting down: draining requests, jobs and the pool');
    // A drain that hangs (a stuck query) must not keep the process alive forever.
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', (s) => void drain(s));
  process.once('SIGINT', (s) => void drain(s));
  await app.listen({ port: config.port, host: config.host });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `workdeck failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
