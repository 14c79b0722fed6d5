import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PrivateDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, migrated database beside the run's one (real PostgreSQL only). */
export async function createPrivateDatabase(label: string): Promise<PrivateDatabase> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('createPrivateDatabase needs a real PostgreSQL (DATABASE_URL)');
  const name = `${process.env.TEST_DATABASE_NAME ?? 'workdeck_test'}_${label}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  execFileSync(process.execPath, ['scripts/migrations.mjs', 'run'], {
    env: { ...process.env, DATABASE_URL: url.toString(), MIGRATIONS_SKIP_BUILD: 'true' },
    stdio: 'ignore',
  });
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
