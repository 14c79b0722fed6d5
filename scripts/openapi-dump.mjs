#!/usr/bin/env node
// npm run openapi:dump [-- <file>]: starts the built app and writes the document it serves at
// /openapi.json to <file> (default dist/openapi.json).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchDocument, root, withApp } from './openapi-app.mjs';

const out = process.argv[2] ?? join(root, 'dist/openapi.json');
const document = await withApp(fetchDocument);
writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
