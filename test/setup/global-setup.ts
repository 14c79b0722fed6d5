import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * With DATABASE_URL set, the whole run gets a fresh database on that server with every
 * migration applied; specs and the apps they start use it through TEST_DATABASE_URL.
 * Without it, every app a spec starts runs on its own embedded PGlite.
 */
export default async function globalSetup(): Promise<void> {
  const base = process.env.DATABASE_URL;
  if (!base) return;
  const name = `workdeck_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  process.env.TEST_DATABASE_URL = url.toString();
  process.env.TEST_DATABASE_NAME = name;
  execFileSync(process.execPath, ['scripts/migrations.mjs', 'run'], {
    env: { ...process.env, DATABASE_URL: url.toString(), MIGRATIONS_SKIP_BUILD: 'true' },
    stdio: 'inherit',
  });
}
