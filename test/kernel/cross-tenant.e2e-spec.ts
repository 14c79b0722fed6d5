import { startApp, type TestApp } from '../support/app.js';
import { addMember, createWorkspace, registerUser, type TestUser } from '../support/factories.js';
import { client, type ApiResponse, type Client } from '../support/http.js';
import { Receiver } from '../connector/receiver.js';

/**
 * Every tenant-owned operation of the served OpenAPI document, called by the owner of
 * workspace A with the ids of real resources of workspace B, answers 404 (exactly like a
 * missing row): never 200, 403 or a validation error that would reveal the resource exists.
 *
 * The test is generic: a new route is covered as soon as it is served. A path parameter or a
 * request body it does not know fails the test loudly: add the parameter to `RESOURCES_OF_B`
 * (how to create such a resource in workspace B) and the body to `BODIES`. A route that serves
 * one kind of a resource only names B's resource of that kind in `KIND_OF_ROUTE`; `ALSO_TRY`
 * lists B's other kinds that A must also be refused with (an inbound connector beside the
 * webhook one).
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
  /** Where B's webhook connector delivers (so that its deliveries really go somewhere). */
  receiver: Receiver;
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
  // An outbound webhook connector of B, delivering to a receiver of this spec.
  connectorId: async (api, w) =>
    must(
      await api.post(
        `/v1/workspaces/${w.ids.workspaceId}/connectors`,
        {
          name: 'Hook of B',
          kind: 'webhook',
          url: w.receiver.url('/b'),
          events: ['note.*', 'card.*'],
        },
        { token: w.b.accessToken },
      ),
      201,
      'webhook connector',
    ).body.id as string,
  // An inbound connector of B: the inbound-events route serves only this kind (see KIND_OF_ROUTE).
  inboundConnectorId: async (api, w) =>
    must(
      await api.post(
        `/v1/workspaces/${w.ids.workspaceId}/connectors`,
        {
          name: 'Inbound of B',
          kind: 'inbound',
          verifier: 'standard',
          mapping: { target: 'note', expression: '{"title": issue.title}' },
        },
        { token: w.b.accessToken },
      ),
      201,
      'inbound connector',
    ).body.id as string,
  // A delivery of B's webhook connector: its test ping, whose row is written in the same
  // transaction that answers 202, so B reads it at once (no worker to wait for).
  deliveryId: async (api, w) =>
    must(
      await api.post(`/v1/connectors/${w.ids.connectorId}/test`, undefined, {
        token: w.b.accessToken,
      }),
      202,
      'test delivery',
    ).body.id as string,
};

/**
 * Routes that serve one kind of a resource only (another kind answers 409, after tenancy): B
 * reads them with its resource of that kind.
 */
const KIND_OF_ROUTE: Record<string, Ids> = {
  '/v1/connectors/{connectorId}/inbound-events': { connectorId: 'inboundConnectorId' },
};

/** Other resources of B a path parameter may name: A must get 404 with each of them too. */
const ALSO_TRY: Record<string, string[]> = { connectorId: ['inboundConnectorId'] };

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
  UpdateConnectorDto: () => ({ name: 'taken over', enabled: false }),
  ReplayDto: () => ({ from: '2020-01-01T00:00:00Z', to: '2040-01-01T00:00:00Z' }),
};

/** Reads first, deletes last: a broken route must not hide the others' answers. */
const METHOD_ORDER = ['get', 'put', 'post', 'patch', 'delete'];

function tenantOperations(doc: { paths: Record<string, Record<string, OpenApiOperation>> }) {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(methods)) {
      // Public routes (no security, or `security: []` like the signed inbound hooks) and the
      // caller's own collections (no id in the path) are not tenant-owned.
      if (!op.security?.length || params.length === 0) continue;
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
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    app = await startApp();
    api = client(app);
    const [userA, userB, stranger] = await Promise.all(
      ['A', 'B', 'Stranger'].map((n) => registerUser(api, n)),
    );
    a = userA;
    // A owns a workspace of its own: the highest role anywhere, yet nothing in B.
    await createWorkspace(api, a.accessToken, 'A');
    world = { b: userB, stranger, receiver, ids: {} };
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
  afterAll(async () => {
    await app?.stop();
    await receiver?.stop();
  });

  /** The operation's URL with B's ids; `use` names other resources of B for some parameters. */
  const url = (op: Operation, use: Ids = {}): string =>
    op.path.replace(/\{(\w+)\}/g, (_, name: string) => world.ids[use[name] ?? name]) + op.query;

  /** Each way to call `op` with B's resources: B's default ids, then each other kind. */
  const variants = (op: Operation): Ids[] => [
    {},
    ...op.params.flatMap((p) => (ALSO_TRY[p] ?? []).map((other) => ({ [p]: other }))),
  ];

  const bodyOf = (op: Operation): unknown => {
    if (!op.bodySchema) return undefined;
    const make = BODIES[op.bodySchema];
    if (!make) throw new Error(`no valid body for ${op.bodySchema} in BODIES`);
    return make(world);
  };

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
      '/v1/connectors/{connectorId}/rotate-secret',
      '/v1/connectors/{connectorId}/deliveries',
      '/v1/connectors/{connectorId}/inbound-events',
      '/v1/deliveries/{deliveryId}/retry',
    ]) {
      expect(paths).toContain(expected);
    }
  });

  it('B’s own ids are valid: B reads each of them', async () => {
    for (const op of operations.filter((o) => o.method === 'get')) {
      const res = await api.request('GET', url(op, KIND_OF_ROUTE[op.path]), undefined, {
        token: world.b.accessToken,
      });
      expect({ op: `GET ${op.path}`, status: res.status }).toEqual({
        op: `GET ${op.path}`,
        status: 200,
      });
    }
  });

  it('A gets 404 on each of them, and nothing of B changes', async () => {
    const answers: string[] = [];
    for (const op of operations) {
      for (const use of variants(op)) {
        const res = await api.request(op.method.toUpperCase(), url(op, use), bodyOf(op), {
          token: a.accessToken,
        });
        const kind = Object.values(use).map((other) => ` (${other})`);
        answers.push(`${op.method.toUpperCase()} ${op.path}${kind.join('')} -> ${res.status}`);
      }
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
    const hook = await api.get(`/v1/connectors/${world.ids.connectorId}`, {
      token: world.b.accessToken,
    });
    expect(hook.body).toMatchObject({ name: 'Hook of B', enabled: true, version: 1 });
    const inbound = await api.get(`/v1/connectors/${world.ids.inboundConnectorId}`, {
      token: world.b.accessToken,
    });
    expect(inbound.body).toMatchObject({ name: 'Inbound of B', enabled: true, version: 1 });
    // Only B's own test ping: no replay or second ping queued through the foreign id.
    const deliveries = await api.get(`/v1/connectors/${world.ids.connectorId}/deliveries`, {
      token: world.b.accessToken,
    });
    expect(deliveries.body.data).toEqual([
      expect.objectContaining({ id: world.ids.deliveryId, eventType: 'connector.ping' }),
    ]);
  });
});
