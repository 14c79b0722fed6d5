import type { DataSourceOptions, MixedList } from 'typeorm';
import { logConnectionError } from './connection-errors.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';
import { pgliteDataDir } from './embedded-paths.js';
import { pgliteDriver } from './pglite-pool.js';

export { pgliteDataDir };

export interface DatabaseSettings {
  url?: string;
  dataDir: string;
  poolSize: number;
  statementTimeoutMs: number;
}

/**
 * Data-source options for either engine: a real PostgreSQL server through a `pg` pool when a
 * URL is given, otherwise embedded PGlite. Both run the same migrations; `synchronize` is off.
 */
export function dataSourceOptions(
  settings: DatabaseSettings,
  extra: { entities?: MixedList<string | Function>; migrations?: MixedList<string | Function> },
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'typeorm_migrations',
    namingStrategy: new SnakeNamingStrategy(),
    entities: extra.entities ?? [],
    migrations: extra.migrations ?? [],
  };
  if (settings.url) {
    return {
      ...common,
      url: settings.url,
      poolSize: settings.poolSize,
      applicationName: 'workdeck',
      // An idle connection the server closed: logged, dropped by the pool, replaced on demand.
      poolErrorHandler: logConnectionError,
      extra: {
        max: settings.poolSize,
        statement_timeout: settings.statementTimeoutMs || undefined,
        connectionTimeoutMillis: 5000,
        // No JIT: it compiles on the planner's cost estimate, which generic parameters inflate;
        // measured on the dashboard's reads, it spent 16 ms compiling a 6 ms index range.
        options: '-c jit=off',
      },
    };
  }
  return { ...common, driver: pgliteDriver(pgliteDataDir(settings.dataDir)), poolSize: 1 };
}
