// The typed-client check (npm run openapi:client-check): a client program written against the
// types openapi-typescript generates from the served /openapi.json (./schema.js, generated next
// to this file), type-checked under --strict and run against the started app. Every answer is
// also checked against the document at run time (status, media type, body schema, headers), so
// any drift between document and server fails.
import { readFileSync } from 'node:fs';
import createClient, { type Middleware } from 'openapi-fetch';
import { OpenApiContract } from './openapi-contract.js';
import type { components, paths } from './schema.js';

type Card = components['schemas']['CardResponseDto'];

const baseUrl = process.env.WORKDECK_URL;
const documentFile = process.env.OPENAPI_FILE;
if (!baseUrl || !documentFile) throw new Error('WORKDECK_URL and OPENAPI_FILE are required');

const contract = new OpenApiContract(JSON.parse(readFileSync(documentFile, 'utf8')));
const drift: string[] = [];
let checked = 0;

/** Every answer, success or problem, must be one the document describes. */
const conformance: Middleware = {
  async onResponse({ request, response, schemaPath }) {
    const op = contract.find(request.method, schemaPath);
    if (!op) {
      drift.push(`${request.method} ${schemaPath}: no such operation in the document`);
      return;
    }
    const type = response.headers.get('content-type');
    const text = await response.clone().text();
    const json = /^application\/(?:[\w.-]+\+)?json\b/.test(type ?? '');
    const body: unknown = json && text ? JSON.parse(text) : text;
    drift.push(...contract.check(op, response.status, type, body));
    const headers = (op.operation.responses as Record<string, { headers?: object }>)[
      String(response.status)
    ]?.headers;
    for (const [name, header] of Object.entries(headers ?? {})) {
      const required =
        (header as { required?: boolean }).required ??
        ((header as { $ref?: string }).$ref
          ? (
              (contract.document.components as { headers: Record<string, { required?: boolean }> })
                .headers[String((header as { $ref: string }).$ref).split('/').pop() ?? '']
            )?.required
          : false);
      if (required && !response.headers.has(name)) {
        drift.push(`${request.method} ${schemaPath} → ${response.status}: header ${name} missing`);
      }
    }
    checked += 1;
  },
};

const api = createClient<paths>({ baseUrl });
api.use(conformance);

function must<T>(step: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(
      `${step}: HTTP ${result.response.status} ${JSON.stringify(result.error ?? null)}`,
    );
  }
  return result.data;
}

async function main(): Promise<void> {
  const email = `typed-client-${Date.now()}@example.com`;
  const registered = must(
    'register',
    await api.POST('/v1/auth/register', {
      body: { email, password: 'correct horse battery staple', name: 'Typed Client' },
    }),
  );
  const authed = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${registered.accessToken}` },
  });
  authed.use(conformance);

  const workspace = must(
    'create workspace',
    await authed.POST('/v1/workspaces', {
      body: { name: 'Typed client' },
      headers: { 'Idempotency-Key': `ws-${email}` },
    }),
  );
  const board = must(
    'create board',
    await authed.POST('/v1/workspaces/{workspaceId}/boards', {
      params: { path: { workspaceId: workspace.id } },
      body: { name: 'Launch' },
    }),
  );
  const todo = must(
    'create column',
    await authed.POST('/v1/boards/{boardId}/columns', {
      params: { path: { boardId: board.id } },
      body: { name: 'To do' },
    }),
  );
  const done = must(
    'create column with a WIP limit',
    await authed.POST('/v1/boards/{boardId}/columns', {
      params: { path: { boardId: board.id } },
      body: { name: 'Done', wipLimit: 5, isDone: true },
    }),
  );
  const card: Card = must(
    'create card',
    await authed.POST('/v1/boards/{boardId}/cards', {
      params: { path: { boardId: board.id } },
      body: { title: 'Write the launch note', columnId: todo.id },
    }),
  );
  const fetched = await authed.GET('/v1/cards/{cardId}', {
    params: { path: { cardId: card.id } },
  });
  const etag = fetched.response.headers.get('etag');
  if (etag !== `"${card.version}"`) throw new Error(`card ETag ${etag}, version ${card.version}`);
  const moved = must(
    'move card',
    await authed.POST('/v1/cards/{cardId}/move', {
      params: { path: { cardId: card.id }, header: { 'If-Match': etag } },
      body: { columnId: done.id },
    }),
  );
  if (moved.columnId !== done.id) throw new Error('the card did not move');
  const stale = await authed.POST('/v1/cards/{cardId}/move', {
    params: { path: { cardId: card.id }, header: { 'If-Match': etag } },
    body: { columnId: todo.id },
  });
  if (stale.response.status !== 412 || stale.error?.status !== 412) {
    throw new Error(`a stale If-Match answered ${stale.response.status}`);
  }
  const note = must(
    'create note',
    await authed.POST('/v1/workspaces/{workspaceId}/notes', {
      params: { path: { workspaceId: workspace.id } },
      body: { title: 'Launch checklist', body: 'Announce the launch on Tuesday.', tags: ['launch'] },
    }),
  );
  must(
    'link note to card',
    await authed.PUT('/v1/notes/{noteId}/cards/{cardId}', {
      params: { path: { noteId: note.id, cardId: card.id } },
    }),
  );
  const found = must(
    'search notes',
    await authed.GET('/v1/workspaces/{workspaceId}/notes', {
      params: { path: { workspaceId: workspace.id }, query: { q: 'announce', limit: 10 } },
    }),
  );
  if (!found.data.some((n) => n.id === note.id)) throw new Error('search did not find the note');
  const cards = must(
    'list cards',
    await authed.GET('/v1/boards/{boardId}/cards', {
      params: { path: { boardId: board.id }, query: { limit: 1 } },
    }),
  );
  if (cards.data.length !== 1 || cards.data[0]?.checklistTotal !== 0) {
    throw new Error('card list does not match');
  }
  const audit = must(
    'list audit events',
    await authed.GET('/v1/workspaces/{workspaceId}/audit-events', {
      params: { path: { workspaceId: workspace.id }, query: { limit: 50 } },
    }),
  );
  const actions = new Set(audit.data.map((e) => e.action));
  for (const action of ['card.created', 'card.moved', 'note.created']) {
    if (!actions.has(action)) throw new Error(`audit has no ${action}: ${[...actions].join(', ')}`);
  }
  // The export is NDJSON, not JSON: read it as text.
  const exported = await authed.GET('/v1/workspaces/{workspaceId}/audit-events/export', {
    params: { path: { workspaceId: workspace.id }, query: { format: 'ndjson' } },
    parseAs: 'text',
  });
  const lines = must('export audit events', exported).trim().split('\n');
  if (lines.length < audit.data.length) throw new Error(`export has ${lines.length} lines`);
  const unauthenticated = await api.GET('/v1/me');
  if (unauthenticated.error?.type !== 'https://workdeck.dev/problems/unauthenticated') {
    throw new Error(`GET /v1/me without a token answered ${unauthenticated.response.status}`);
  }
  must('readiness', await api.GET('/health/ready'));

  if (drift.length > 0) {
    throw new Error(`the server departs from its document:\n  ${drift.join('\n  ')}`);
  }
  process.stdout.write(`typed client: ${checked} answers conform to the document\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`typed client failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
