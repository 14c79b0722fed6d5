import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startApp, type TestApp } from './support/app.js';
import { client, type ApiResponse, type Client } from './support/http.js';
import { registerUser } from './support/factories.js';
import { createBoard, createCard } from './board/fixtures.js';

/**
 * `npm start` runs what scripts/build.mjs compiles with SWC; `npm test` and `npm run build` run
 * tsc's output (dist/). The two must be the same application: decorator metadata drives Nest's
 * injection, validation, TypeORM's entities and the OpenAPI document, and SWC emits it by its
 * own rules.
 */
const OUT_DIR = join(process.cwd(), 'dist/.start-build-spec');
const TIMEOUT_MS = 240_000;

/** A problem answer without what differs per request. */
function comparable(res: ApiResponse): unknown {
  const body =
    res.body && typeof res.body === 'object'
      ? { ...res.body, instance: undefined, requestId: undefined }
      : res.body;
  return { status: res.status, contentType: res.headers.get('content-type'), body };
}

describe("npm start's build (SWC)", () => {
  let swc: TestApp | undefined;
  let tsc: TestApp | undefined;

  beforeAll(async () => {
    rmSync(OUT_DIR, { recursive: true, force: true });
    execFileSync(process.execPath, ['scripts/build.mjs', '--out-dir', OUT_DIR], {
      stdio: 'pipe',
    });
    // Both are started and stopped whatever happens to the other (a failed start must not leave
    // the other app running).
    const [fromSwc, fromTsc] = await Promise.allSettled([
      startApp({}, { main: join(OUT_DIR, 'src/main.js') }),
      startApp(),
    ]);
    if (fromSwc.status === 'fulfilled') swc = fromSwc.value;
    if (fromTsc.status === 'fulfilled') tsc = fromTsc.value;
    if (fromSwc.status === 'rejected') throw fromSwc.reason;
    if (fromTsc.status === 'rejected') throw fromTsc.reason;
  }, TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([swc?.stop(), tsc?.stop()]);
    rmSync(OUT_DIR, { recursive: true, force: true });
  });

  it('serves the same OpenAPI document as the tsc build', async () => {
    const [fromSwc, fromTsc] = await Promise.all(
      [swc!, tsc!].map((app) => client(app).get('/openapi.json')),
    );
    expect(fromSwc.status).toBe(200);
    expect(fromTsc.status).toBe(200);
    expect(Object.keys(fromSwc.body.paths).length).toBeGreaterThan(50);
    expect(fromSwc.body).toEqual(fromTsc.body);
  });

  it('rejects bad input with the same problems as the tsc build', async () => {
    const answers = async (api: Client) => {
      const { accessToken: token } = await registerUser(api);
      const workspace = await api.post('/v1/workspaces', { name: 'W' }, { token });
      const { boardId } = await createBoard(api, token, workspace.body.id);
      return Promise.all([
        api.post('/v1/auth/register', { email: 'not-an-email', password: 1, extra: true }),
        api.post('/v1/workspaces', { name: '' }, { token }),
        api.get('/v1/workspaces?limit=0&cursor=x', { token }),
        api.post(`/v1/boards/${boardId}/cards`, { title: 7, dueAt: 'soon' }, { token }),
        api.post(`/v1/boards/${boardId}/cards`, { title: 'T', placement: 'middle' }, { token }),
        api.patch(
          `/v1/workspaces/${workspace.body.id}/members/nobody`,
          { role: 'king' },
          { token },
        ),
      ]);
    };
    const [fromSwc, fromTsc] = await Promise.all([answers(client(swc!)), answers(client(tsc!))]);
    for (const res of fromSwc) expect(res.status).toBeGreaterThanOrEqual(400);
    expect(fromSwc.map(comparable)).toEqual(fromTsc.map(comparable));
  });

  it('serves a board flow end to end', async () => {
    const api = client(swc!);
    const { accessToken: token } = await registerUser(api);
    const workspace = await api.post('/v1/workspaces', { name: 'Flow' }, { token });
    expect(workspace.status).toBe(201);
    const { boardId, columns } = await createBoard(api, token, workspace.body.id);
    const card = await createCard(api, token, boardId, { title: 'Ship it' });
    const moved = await api.post(
      `/v1/cards/${card.id}/move`,
      { columnId: columns[2], placement: 'top' },
      { token },
    );
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ id: card.id, columnId: columns[2], title: 'Ship it' });
    const listed = await api.get(`/v1/boards/${boardId}/cards`, { token });
    expect(listed.body.data).toEqual([expect.objectContaining({ id: card.id })]);
  });
});
