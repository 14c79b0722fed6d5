#!/usr/bin/env node
// npm run openapi:client-check: the document a typed client is generated from must describe the
// server. Builds, starts the app, and with the document it serves at /openapi.json:
//   1. generates TypeScript types with openapi-typescript (default options, as a client would);
//   2. type-checks scripts/typed-client/client.ts against them under --strict (openapi-fetch);
//   3. runs it against the same app: register → workspace → board → columns → card → move →
//      note → search → audit list and export, every answer checked against the document.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import { fetchDocument, root, withApp } from './openapi-app.mjs';

const tsc = join(root, 'node_modules/typescript/bin/tsc');
const work = join(root, 'dist/typed-client');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const run = (args, options = {}) => {
  try {
    execFileSync(process.execPath, args, { stdio: 'inherit', ...options });
  } catch {
    throw new Error(`failed: node ${args.map((a) => a.replace(root, '.')).join(' ')}`);
  }
};

await withApp(async (url) => {
  const document = await fetchDocument(url);
  const documentFile = join(work, 'openapi.json');
  writeFileSync(documentFile, JSON.stringify(document));
  writeFileSync(join(work, 'schema.d.ts'), astToString(await openapiTS(document)));
  copyFileSync(join(root, 'scripts/typed-client/client.ts'), join(work, 'client.ts'));
  copyFileSync(join(root, 'test/support/openapi-contract.ts'), join(work, 'openapi-contract.ts'));
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        lib: ['ES2023', 'DOM'],
        types: ['node'],
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: false,
        skipLibCheck: true,
        outDir: 'out',
        rootDir: '.',
      },
      files: ['client.ts', 'openapi-contract.ts', 'schema.d.ts'],
    }),
  );
  // dist/ is "type": "module"-less: mark the output ESM, as the sources are.
  writeFileSync(join(work, 'package.json'), '{ "type": "module" }\n');
  process.stdout.write('typed client: type-checking under --strict\n');
  run([tsc, '-p', join(work, 'tsconfig.json')]);
  process.stdout.write(`typed client: running against ${url}\n`);
  run([join(work, 'out/client.js')], {
    env: { ...process.env, WORKDECK_URL: url, OPENAPI_FILE: documentFile },
  });
}).catch((err) => {
  process.stderr.write(`typed-client check: ${err.message}\n`);
  process.exit(1);
});
