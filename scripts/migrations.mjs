#!/usr/bin/env node
// Migration commands over the compiled sources (built first):
//   generate <Name>  write migrations/<timestamp>-<Name>.ts for the difference between the
//                    entities and the migrations, and add it to migrations/index.ts
//   run | revert     apply pending migrations / undo the last one on DATABASE_URL (or PGlite)
//   check            exit 1 when the entities and the migrations differ (CI's drift check)
// generate and check work on a scratch database (a temporary one on DATABASE_URL's server, or
// an in-memory PGlite), never on your data.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command, name] = process.argv.slice(2);
const usage = 'usage: migrations.mjs generate <PascalName> | run | revert | check';
if (!['generate', 'run', 'revert', 'check'].includes(command)) fail(usage);
if (command === 'generate' && !/^[A-Z][A-Za-z0-9]*$/.test(name ?? ''))
  fail(`${usage}\n<PascalName> like AddCardLabels`);

if (process.env.MIGRATIONS_SKIP_BUILD !== 'true') {
  execFileSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
    { stdio: 'inherit' },
  );
}

const load = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { DataSource } = await import('typeorm');
const { dataSourceOptions } = await load('src/database/data-source.options.js');
const { migrations } = await load('migrations/index.js');
const { validateEnv } = await load('src/config/env.schema.js');
const env = validateEnv(process.env);
const entities = [join(root, 'dist/src/**/*.entity.js')];

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function settings(url) {
  return { url, dataDir: env.DATA_DIR, poolSize: 2, statementTimeoutMs: 0 };
}

/** Runs `work` on a throw-away database that has every migration applied. */
async function withScratch(work) {
  let drop = async () => undefined;
  let scratch;
  if (env.DATABASE_URL) {
    const admin = new DataSource({ type: 'postgres', url: env.DATABASE_URL });
    await admin.initialize();
    const db = `workdeck_scratch_${randomBytes(6).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${db}`);
    const url = new URL(env.DATABASE_URL);
    url.pathname = `/${db}`;
    scratch = new DataSource(dataSourceOptions(settings(url.toString()), { entities, migrations }));
    drop = async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.destroy();
    };
  } else {
    scratch = new DataSource(
      dataSourceOptions(
        { ...settings(undefined), dataDir: `memory://scratch-${Date.now()}` },
        { entities, migrations },
      ),
    );
  }
  await scratch.initialize();
  try {
    await scratch.runMigrations({ transaction: 'each' });
    return await work(scratch);
  } finally {
    await scratch.destroy();
    await drop();
  }
}

const pending = (ds) => ds.driver.createSchemaBuilder().log();

if (command === 'check') {
  const diff = await withScratch(pending);
  if (diff.upQueries.length > 0) {
    process.stderr.write('Entities and migrations differ. Missing from migrations:\n');
    for (const q of diff.upQueries) process.stderr.write(`  ${q.query};\n`);
    process.stderr.write('Run: npm run migration:generate -- <Name>\n');
    process.exit(1);
  }
  process.stdout.write(`Migrations match the entities (${migrations.length} migrations).\n`);
} else if (command === 'generate') {
  const diff = await withScratch(pending);
  if (diff.upQueries.length === 0) {
    process.stdout.write('No changes: entities and migrations already match.\n');
    process.exit(0);
  }
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  const esc = (q) => q.query.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${');
  const lines = (qs) => qs.map((q) => `    await queryRunner.query(\`${esc(q)}\`);`).join('\n');
  const file = `${timestamp}-${name}`;
  writeFileSync(
    join(root, 'migrations', `${file}.ts`),
    `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  public async up(queryRunner: QueryRunner): Promise<void> {
${lines(diff.upQueries)}
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
${lines([...diff.downQueries].reverse())}
  }
}
`,
  );
  const indexPath = join(root, 'migrations/index.ts');
  let index = readFileSync(indexPath, 'utf8');
  const importLine = `import { ${className} } from './${file}.js';`;
  const imports = [...index.matchAll(/^import .*;$/gm)];
  const at =
    imports.length > 0
      ? imports[imports.length - 1].index + imports[imports.length - 1][0].length + 1
      : 0;
  index = `${index.slice(0, at)}${importLine}\n${at === 0 ? '\n' : ''}${index.slice(at)}`;
  index = index.replace(/export const migrations: Function\[\] = \[([^\]]*)\];/, (_, list) => {
    const items = list
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .concat(className);
    return `export const migrations: Function[] = [\n  ${items.join(',\n  ')},\n];`;
  });
  writeFileSync(indexPath, index);
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/prettier/bin/prettier.cjs'),
      '--write',
      `migrations/${file}.ts`,
      'migrations/index.ts',
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  process.stdout.write(
    `Wrote migrations/${file}.ts (${diff.upQueries.length} statements). Review it before committing.\n`,
  );
} else {
  const ds = new DataSource(
    dataSourceOptions(settings(env.DATABASE_URL), { entities, migrations }),
  );
  await ds.initialize();
  try {
    if (command === 'run') {
      const done = await ds.runMigrations({ transaction: 'each' });
      process.stdout.write(`Applied ${done.length} migration(s).\n`);
    } else {
      await ds.undoLastMigration({ transaction: 'each' });
      process.stdout.write('Reverted the last migration.\n');
    }
  } finally {
    await ds.destroy();
  }
}
