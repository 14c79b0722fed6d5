import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * No module's SQL names another module's tables: a module reaches other modules through their
 * exported services, events or the kernel, never through their tables. Ownership is derived
 * from each module's `TypeOrmModule.forFeature([...])` entities and their `@Entity('table')`.
 *
 * The kernel (src/kernel, src/database, and src/audit as the event log) owns tenancy: it may
 * name the membership and workspace tables and the event log's tables.
 */

const SRC = join(process.cwd(), 'src');

const KERNEL_DIRS = ['kernel', 'database', 'audit'];
const KERNEL_MAY_NAME = new Set(['memberships', 'workspaces']);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

const moduleOf = (file: string): string => relative(SRC, file).split(sep)[0];

const allFiles = filesUnder(SRC);

/** Entity class name -> table name, from `@Entity('table') ... export class Name`. */
function entityTables(): Map<string, string> {
  const tables = new Map<string, string>();
  for (const file of allFiles) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/@Entity\('(\w+)'\)[\s\S]*?export class (\w+)/g)) {
      tables.set(m[2], m[1]);
    }
  }
  return tables;
}

/** Table -> owning module (the directory whose module registers its entity). */
function tableOwners(): Map<string, string> {
  const tables = entityTables();
  const owners = new Map<string, string>();
  for (const file of allFiles.filter((f) => f.endsWith('.module.ts'))) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/TypeOrmModule\.forFeature\(\[([^\]]*)\]/g)) {
      for (const entity of m[1]
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean)) {
        const table = tables.get(entity);
        if (!table) throw new Error(`${entity} (in ${file}) has no @Entity('table')`);
        owners.set(table, moduleOf(file));
      }
    }
  }
  return owners;
}

/** The string literals of a source file (comments removed first). */
function stringLiterals(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(/`(?:[^`\\]|\\.)*`|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g)].map(
    (m) => m[0],
  );
}

const TABLE_REFERENCE = /\b(?:FROM|JOIN|INTO|UPDATE|TABLE|REFERENCES)\s+"?([a-z_][a-z0-9_]*)"?/gi;

/** Every `module: file names table (owned by other)` finding. */
function crossModuleSql(owners: Map<string, string>): string[] {
  const findings: string[] = [];
  for (const file of allFiles) {
    const module = moduleOf(file);
    for (const literal of stringLiterals(readFileSync(file, 'utf8'))) {
      for (const m of literal.matchAll(TABLE_REFERENCE)) {
        const table = m[1];
        const owner = owners.get(table);
        if (!owner || owner === module) continue;
        if (KERNEL_DIRS.includes(module) && (KERNEL_MAY_NAME.has(table) || owner === 'audit')) {
          continue;
        }
        findings.push(`${relative(SRC, file)} names ${table} (owned by ${owner})`);
      }
    }
  }
  return [...new Set(findings)];
}

describe('module boundaries in SQL', () => {
  const owners = tableOwners();

  it('derives table ownership from every module (the check is not vacuous)', () => {
    expect(owners.get('memberships')).toBe('identity');
    expect(owners.get('cards')).toBe('board');
    expect(owners.get('notes')).toBe('notes');
    expect(owners.get('audit_events')).toBe('audit');
    // Every entity belongs to a module.
    expect([...entityTables().values()].filter((t) => !owners.has(t))).toEqual([]);
  });

  it('finds a table of another module named in SQL', () => {
    const literal = stringLiterals('const q = `SELECT id FROM cards c JOIN notes n ON true`;');
    expect([...literal[0].matchAll(TABLE_REFERENCE)].map((m) => m[1])).toEqual(['cards', 'notes']);
  });

  it("no module's SQL names another module's tables", () => {
    expect(crossModuleSql(owners)).toEqual([]);
  });
});
