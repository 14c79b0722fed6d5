import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Tables the dashboard owns; every other table belongs to another module. */
const OWN_TABLE = /^dashboard_/;
const TABLE_REFERENCE = /(?<!epoch )\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+"?([a-z_][a-z0-9_]*)"?/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('dashboard module boundaries', () => {
  it('names no other module table in its SQL (it reads them through exported services)', () => {
    const foreign: string[] = [];
    for (const file of sources(join(process.cwd(), 'src/dashboard'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(TABLE_REFERENCE)) {
        const table = match[1];
        // `unnest(...)`, `generate_series(...)`, CTE names and subquery aliases are not tables.
        const notTables = ['unnest', 'generate_series', 'days', 'stays', 'gone', 'moved'];
        notTables.push('changed', 'expected', 'stored', 'diff', 'fixed');
        if (notTables.includes(table)) continue;
        if (!OWN_TABLE.test(table)) foreign.push(`${file}: ${table}`);
      }
    }
    expect(foreign).toEqual([]);
  });
});
