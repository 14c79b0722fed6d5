import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { eventCatalog, eventCatalogMarkdown } from './kernel/events.js';

const SRC = join(process.cwd(), 'src');
const START = '<!-- event-catalogue:start -->';
const END = '<!-- event-catalogue:end -->';

const eventFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return eventFiles(path);
    return path.endsWith('.events.ts') ? [path] : [];
  });

describe('event catalogue in the README', () => {
  beforeAll(async () => {
    for (const file of eventFiles(SRC)) await import(file);
  });

  it('lists every declared event (regenerate with npm run docs:events)', () => {
    expect(eventCatalog().length).toBeGreaterThan(0);
    const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start).toBeGreaterThan(-1);
    expect(readme.slice(start + START.length, end).trim()).toBe(eventCatalogMarkdown());
  });

  it('no module source names an event by a string outside its catalogue', () => {
    // `action: 'x.y'` literals belong in `<module>.events.ts` only (via defineEvents keys).
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (
          path.endsWith('.ts') &&
          !path.endsWith('.spec.ts') &&
          !path.endsWith('.events.ts') &&
          // The board module moves onto the catalogue on its own branch.
          !path.includes(`${join(SRC, 'board')}`) &&
          /action: '[a-z_]+\.[a-z_]+'/.test(readFileSync(path, 'utf8'))
        ) {
          offenders.push(path);
        }
      }
    };
    walk(SRC);
    expect(offenders).toEqual([]);
  });
});
