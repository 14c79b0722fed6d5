// Renders the event catalogue (every `defineEvents` of src/**/<module>.events.ts) as the
// Markdown table between the event markers of README.md. Runs on the build (`dist/`):
//   npm run docs:events            rewrite the README table
//   npm run docs:events -- --check fail when the README table is stale
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const DIST = join(process.cwd(), 'dist/src');
const README = join(process.cwd(), 'README.md');
const START = '<!-- event-catalogue:start -->';
const END = '<!-- event-catalogue:end -->';

const files = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.events.js') ? [path] : [];
  });

for (const file of files(DIST)) await import(pathToFileURL(file).href);
const { eventCatalogMarkdown } = await import(pathToFileURL(join(DIST, 'kernel/events.js')).href);
const table = eventCatalogMarkdown();

const readme = readFileSync(README, 'utf8');
const start = readme.indexOf(START);
const end = readme.indexOf(END);
if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} section`);
const next = `${readme.slice(0, start + START.length)}\n${table}\n${readme.slice(end)}`;
if (process.argv.includes('--check')) {
  if (next !== readme) {
    process.stderr.write('README.md event catalogue is stale: run npm run docs:events\n');
    process.exit(1);
  }
} else {
  writeFileSync(README, next);
}
