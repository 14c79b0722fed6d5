import pg from 'pg';
import { onRealPostgres } from './app.js';

/**
 * A direct connection to the run's database, for asserting what was stored. Only on the real
 * server: an embedded PGlite lives inside the app process and has no second connection.
 */
export function testPool(): pg.Pool {
  if (!onRealPostgres()) throw new Error('testPool needs DATABASE_URL (a real PostgreSQL)');
  return new pg.Pool({ connectionString: process.env.TEST_DATABASE_URL, max: 4 });
}

/** `describe` on the real server; on PGlite the block is skipped, saying why. */
export const describeOnPostgres = (name: string, fn: () => void): void => {
  if (onRealPostgres()) {
    describe(name, fn);
  } else {
    describe.skip(
      `${name} (skipped: needs a real PostgreSQL with several connections; set DATABASE_URL)`,
      fn,
    );
  }
};
