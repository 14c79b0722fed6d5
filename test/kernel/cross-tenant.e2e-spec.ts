import { startApp, type TestApp } from '../support/app.js';
import { addMember, createWorkspace, registerUser, type TestUser } from '../support/factories.js';
import { client, type ApiResponse, type Client } from '../support/http.js';

/**
 * Every tenant-owned operation of the served OpenAPI document, called by the owner of
 * workspace A with the ids of real resources of workspace B, answers 404 (exactly like a
 * missing row): never 200, 403 or a validation error that would reveal the resource exists.
 *
 * The test is generic: a new route is covered as soon as it is served. A path parameter or a
 * request body it does not know fails the test loudly: add the parameter to `RESOURCES_OF_B`
 * (how to create such a resource in workspace B) and the body to `BODIES`.
 */

interface Operation {
  method: string;
  path: string;
  params: string[];
  bodySchema: string | null;
  /** Required query parameters, filled with their documented example. */
  query: string;
}

interface OpenApiParameter {
  in: string;
  name: string;
  required?: boolean;
  example?: unknown;
  schema?: { example?: unknown };
}

interface OpenApiOperation {
  security?: unknown[];
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
}

/** The ids of workspace B's resources, by path parameter name. */
type Ids = Record<string, string>;

interface World {
  b: TestUser;
  /** A third user: a viewer of B (the target of the member routes). */
  stranger: TestUser;
  ids: Ids;
}

const must = (res: ApiResponse, status: number, what: string): ApiResponse => {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${res.text}`);
  return res;
};

/**
 * How to create each kind of path-addressed resource in workspace B (as B's owner). Each entry
 * may rely on the ones before it.
 */
const RESOURCES_OF_B: Record<string, (api: Client, w: World) => Promise<string>> = {
  workspaceId: async (api, w) => (await createWorkspace(api, w.b.accessToken, 'B')).id,
  // A member of B other than its owner (the stranger joins B as a viewer).
  userId: async (api, w) => {
    await addMember(api, w.b.accessToken, w.ids.workspaceId, w.stranger.email, 'viewer');
    return w.stranger.id;
  },
  tokenId: async (api, w) =>
    must(
      await api.post('/v1/me/tokens', { name: 'b', scopes: ['read'] }, { token: w.b.accessToken }),
      201,
      'token',
    ).body.id as string,
  boardId: async (api, w) =>
    must(
      await api.post(
        `/v1/workspaces/${w.ids.workspaceId}/boards`,
        { name: 'Board of B' },
        { token: w.b.accessToken },
      ),
      201,
      'board',
    ).body.id as string,
  columnId: async (api, w) =>
    must(
      await api.post(
        `/v1/boards/${w.ids.boardId}/columns`,
        { name: 'Column of B' },
        { token: w.b.accessToken },
      ),
      201,
      'column',
    ).body.id as string,
  cardId: async (api, w) =>
    must(
      await api.post(
        `/v1/boards/${w.ids.boardId}/cards`,
        { title: 'Card of B', columnId: w.ids.columnId },
        { token: w.b.accessToken },
      ),
      201,
      'card',
    ).body.id as string,
  labelId: async (api, w) =>
    must(
      await api.post(
        `/v1/boards/${w.ids.boardId}/labels`,
        { name: 'label of B', color: '#d73a4a' },
        { token: w.b.accessToken },
      ),
      201,
      'label',
    ).body.id as string,
  commentId: async (api, w) =>
    must(
      await api.post(
        `/v1/cards/${w.ids.cardId}/comments`,
        { body: 'comment of B' },
        { token: w.b.accessToken },
      ),
      201,
      'comment',
    ).body.id as string,
  reminderId: async (api, w) =>
    must(
      await api.post(
        `/v1/workspaces/${w.ids.workspaceId}/reminders`,
        { title: 'Reminder of B', rrule: 'FREQ=DAILY', dtstart: '2030-01-01T09:00:00' },
        { token: w.b.accessToken },
      ),
      201,
      'reminder',
    ).body.id as string,
  noteId: async (api, w) => {
    const note = must(
      await api.post(
        `/v1/workspaces/${w.ids.workspaceId}/notes`,
        { title: 'Note of B', body: 'v1' },
        { token: w.b.accessToken },
      ),
      201,
      'note',
    ).body as { id: string };
    // Linked to B's card, so that the link routes have something to find.
    must(
      await api.put(`/v1/notes/${note.id}/cards/${w.ids.cardId}`, undefined, {
        token: w.b.accessToken,
      }),
      200,
      'link',
    );
    return note.id;
  },
  revisionId: async (api, w) => {
    must(
      await api.patch(`/v1/notes/${w.ids.noteId}`, { body: 'v2' }, { token: w.b.accessToken }),
      200,
      'note update',
    );
    const list = must(
      await api.get(`/v1/notes/${w.ids.noteId}/revisions`, { token: w.b.accessToken }),
      200,
      'revisions',
    );
    return (list.body as { data: Array<{ id: string }> }).data[0].id;
  },
};

/** A valid body per request schema, so that validation cannot answer before tenancy does. */
const BODIES: Record<string, (w: World) => unknown> = {
  UpdateWorkspaceDto: () => ({ name: 'taken over' }),
  AddMemberDto: (w) => ({ email: w.b.email, role: 'member' }),
  UpdateMemberDto: () => ({ role: 'viewer' }),
  CreateBoardDto: () => ({ name: 'intruder board' }),
  UpdateBoardDto: () => ({ name: 'taken over' }),
  CreateColumnDto: () => ({ name: 'intruder column' }),
  UpdateColumnDto: () => ({ name: 'taken over' }),
  MoveColumnDto: () => ({}),
  CreateCardDto: () => ({ title: 'intruder card' }),
  UpdateCardDto: () => ({ title: 'taken over' }),
  MoveCardDto: (w) => ({ columnId: w.ids.columnId }),
  CreateLabelDto: () => ({ name: 'intruder', color: '#000000' }),
  UpdateLabelDto: () => ({ name: 'taken over' }),
  CreateCommentDto: () => ({ body: 'intruder comment' }),
  UpdateCommentDto: () => ({ body: 'taken over' }),
  CreateNoteDto: () => ({ title: 'intruder note' }),
  UpdateNoteDto: () => ({ title: 'taken over' }),
  CreateReminderDto: () => ({ title: 'intruder reminder', remindAt: '2031-01-01T09:00:00Z' }),
  UpdateReminderDto: () => ({ title: 'taken over' }),
  SnoozeReminderDto: () => ({ until: '2031-01-02T09:00:00Z' }),
  CreateConnectorDto: () => ({
    name: 'intruder hook',
    kind: 'webhook',
    url: 'https://hooks.example.com/in',
    events: ['note.*'],
  }),
};

/**
 * Path parameters whose routes arrived with the connectors merge and still need a factory here
 * (a webhook connector of B with a reachable receiver, and one of its deliveries). Their
 * operations are skipped, and listed by the todo below, until they are added.
 */
const NOT_YET_COVERED = new Set(['connectorId', 'deliveryId']);

/** Reads first, deletes last: a broken route must not hide the others' answers. */
const METHOD_ORDER = ['get', 'put', 'post', 'patch', 'delete'];

function tenantOperations(doc: { paths: Record<string, Record<string, OpenApiOperation>> }) {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(methods)) {
      // Public routes and the caller's own collections (no id in the path) are not tenant-owned.
      if (!op.security || params.length === 0) continue;
      if (params.some((p) => NOT_YET_COVERED.has(p))) continue;
      const ref = op.requestBody?.content?.['application/json']?.schema?.$ref;
      // Validation answers before tenancy: send every required query parameter, valid.
      const query = (op.parameters ?? [])
        .filter((p) => p.in === 'query' && p.required)
        .map((p) => {
          const example = p.example ?? p.schema?.example;
          if (example === undefined) {
            throw new Error(`${method} ${path}: document an example for query parameter ${p.name}`);
          }
          return `${encodeURIComponent(p.name)}=${encodeURIComponent(String(example))}`;
        })
        .join('&');
      ops.push({
        method,
        path,
        params,
        bodySchema: ref ? ref.split('/').pop()! : null,
        query: query ? `?${query}` : '',
      });
    }
  }
  return ops.sort((x, y) => METHOD_ORDER.indexOf(x.method) - METHOD_ORDER.indexOf(y.method));
}

describe('another tenant’s ids answer 404 on every tenant-owned route', () => {
  let app: TestApp;
  let api: Client;
  let a: TestUser;
  let world: World;
  let operations: Operation[];

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
    const [userA, userB, stranger] = await Promise.all(
      ['A', 'B', 'Stranger'].map((n) => registerUser(api, n)),
    );
    a = userA;
    // A owns a workspace of its own: the highest role anywhere, yet nothing in B.
    await createWorkspace(api, a.accessToken, 'A');
    world = { b: userB, stranger, ids: {} };
    const doc = must(await api.get('/openapi.json'), 200, 'openapi').body as {
      paths: Record<string, Record<string, OpenApiOperation>>;
    };
    operations = tenantOperations(doc);
    const needed = new Set(operations.flatMap((op) => op.params));
    const unknown = [...needed].filter((p) => !(p in RESOURCES_OF_B));
    if (unknown.length > 0) {
      throw new Error(
        `path parameters without a resource factory in RESOURCES_OF_B: ${unknown.join(', ')}`,
      );
    }
    for (const [param, create] of Object.entries(RESOURCES_OF_B)) {
      world.ids[param] = await create(api, world);
    }
  });
  afterAll(() => app.stop());

  const url = (op: Operation): string =>
    op.path.replace(/\{(\w+)\}/g, (_, name: string) => world.ids[name]) + op.query;

  const bodyOf = (op: Operation): unknown => {
    if (!op.bodySchema) return undefined;
    const make = BODIES[op.bodySchema];
    if (!make) throw new Error(`no valid body for ${op.bodySchema} in BODIES`);
    return make(world);
  };

  it.todo('covers the connector and delivery routes (connectorId, deliveryId)');

  it('covers the routes of every module (the document is not empty or half-read)', () => {
    const paths = new Set(operations.map((op) => op.path));
    for (const expected of [
      '/v1/workspaces/{workspaceId}/members/{userId}',
      '/v1/me/tokens/{tokenId}',
      '/v1/boards/{boardId}',
      '/v1/cards/{cardId}/move',
      '/v1/comments/{commentId}',
      '/v1/labels/{labelId}',
      '/v1/columns/{columnId}',
      '/v1/notes/{noteId}/revisions/{revisionId}/restore',
      '/v1/workspaces/{workspaceId}/audit-events/export',
    ]) {
      expect(paths).toContain(expected);
    }
  });

  it('B’s own ids are valid: B reads each of them', async () => {
    for (const op of operations.filter((o) => o.method === 'get')) {
      const res = await api.request('GET', url(op), undefined, { token: world.b.accessToken });
      expect({ op: `GET ${op.path}`, status: res.status }).toEqual({
        op: `GET ${op.path}`,
        status: 200,
      });
    }
  });

  it('A gets 404 on each of them, and nothing of B changes', async () => {
    const answers: string[] = [];
    for (const op of operations) {
      const res = await api.request(op.method.toUpperCase(), url(op), bodyOf(op), {
        token: a.accessToken,
      });
      answers.push(`${op.method.toUpperCase()} ${op.path} -> ${res.status}`);
    }
    expect(answers.filter((line) => !line.endsWith('-> 404'))).toEqual([]);

    // Nothing was written through the foreign ids.
    const note = await api.get(`/v1/notes/${world.ids.noteId}`, { token: world.b.accessToken });
    expect(note.status).toBe(200);
    expect(note.body).toMatchObject({ title: 'Note of B', body: 'v2' });
    const ws = await api.get(`/v1/workspaces/${world.ids.workspaceId}`, {
      token: world.b.accessToken,
    });
    expect(ws.body).toMatchObject({ name: 'B', role: 'owner' });
    const card = await api.get(`/v1/cards/${world.ids.cardId}`, { token: world.b.accessToken });
    expect(card.status).toBe(200);
    expect(card.body).toMatchObject({ title: 'Card of B' });
    const members = await api.get(`/v1/workspaces/${world.ids.workspaceId}/members`, {
      token: world.b.accessToken,
    });
    expect(members.body.data).toHaveLength(2);
  });
});
