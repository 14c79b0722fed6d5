import pg from 'pg';

export default async function globalTeardown(): Promise<void> {
  const base = process.env.DATABASE_URL;
  const name = process.env.TEST_DATABASE_NAME;
  if (!base || !name || process.env.KEEP_TEST_DATABASE === 'true') return;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
