import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { startApp, type TestApp } from '../support/app.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, expectProblem, type ApiResponse, type Client } from '../support/http.js';
import { createBoard, createCard, type BoardFixture } from '../board/fixtures.js';

const WAIT_MS = 10_000;
const POLL_MS = 50;

/** A GET as bytes, without fetch's transparent decompression: the encoding as sent. */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The dashboard follows committed events with a short lag: poll until `ok` (bounded). */
async function eventually(
  get: () => Promise<ApiResponse>,
  ok: (res: ApiResponse) => boolean,
): Promise<ApiResponse> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const res = await get();
    if (ok(res) || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

const today = () => new Date().toISOString().slice(0, 10);

/**
 * Reads until two answers in a row carry the same ETag: the second was then served from the
 * instance's cache (kept by that validator), and the workspace is quiet.
 */
async function kept(get: () => Promise<ApiResponse>): Promise<ApiResponse> {
  let last = await get();
  const settled = await eventually(get, (r) => {
    const same = r.status === 200 && r.headers.get('etag') === last.headers.get('etag');
    last = r;
    return same;
  });
  expect(settled.status).toBe(200);
  return settled;
}

describe('dashboard routes (e2e)', () => {
  let app: TestApp;
  let api: Client;
  let team: Team;
  let board: BoardFixture;
  let otherBoard: BoardFixture;
  let cardIds: string[];

  beforeAll(async () => {
    app = await startApp({ OUTBOX_POLL_INTERVAL_MS: '20' });
    api = client(app);
    team = await createTeam(api);
    const token = team.member.accessToken;
    board = await createBoard(api, token, team.workspaceId, 'Alpha');
    otherBoard = await createBoard(api, token, team.workspaceId, 'Beta');
    cardIds = [];
    for (let i = 0; i < 3; i++) cardIds.push((await createCard(api, token, board.boardId)).id);
    await createCard(api, token, otherBoard.boardId);
    await api.post(`/v1/cards/${cardIds[0]}/move`, { columnId: board.columns[1] }, { token });
    await api.post(`/v1/cards/${cardIds[1]}/move`, { columnId: board.columns[2] }, { token });
  });
  afterAll(() => app.stop());

  const dashboardOf = (token: string, headers?: Record<string, string>) =>
    api.get(`/v1/workspaces/${team.workspaceId}/dashboard`, { token, headers });

  describe('GET /v1/workspaces/{workspaceId}/dashboard', () => {
    it('sends gzip to a client that accepts it, the same JSON as identity, with Vary', async () => {
      const url = `${app.url}/v1/workspaces/${team.workspaceId}/dashboard`;
      const auth = { authorization: `Bearer ${team.viewer.accessToken}` };
      const plain = await rawGet(url, { ...auth, 'accept-encoding': 'identity' });
      const gz = await rawGet(url, { ...auth, 'accept-encoding': 'gzip, deflate' });
      expect(plain.status).toBe(200);
      expect(gz.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(gz.headers['content-encoding']).toBe('gzip');
      for (const res of [plain, gz]) {
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(res.headers.vary).toMatch(/Accept-Encoding/);
      }
      // Same validator, same answer in both encodings (unless the minute turned in between).
      if (gz.headers.etag === plain.headers.etag) {
        expect(JSON.parse(gunzipSync(gz.body).toString())).toEqual(
          JSON.parse(plain.body.toString()),
        );
      }
      expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
      const refused = await rawGet(url, { ...auth, 'accept-encoding': 'gzip;q=0' });
      expect(refused.headers['content-encoding']).toBeUndefined();
    });

    it('shows a viewer counts per column and status, throughput and cycle time', async () => {
      const res = await eventually(
        () => dashboardOf(team.viewer.accessToken),
        (r) => r.body?.totals?.status?.done === 1 && r.body.totals.status.active === 3,
      );
      expect(res.status).toBe(200);
      const alpha = res.body.boards.find((b: { boardId: string }) => b.boardId === board.boardId);
      expect(alpha.name).toBe('Alpha');
      expect(alpha.columns.map((c: { count: number }) => c.count)).toEqual([1, 1, 1]);
      expect(alpha.status).toEqual({ active: 2, done: 1, archived: 0 });
      expect(alpha.throughput).toHaveLength(30);
      expect(alpha.throughput.at(-1)).toEqual({ day: today(), count: 1 });
      expect(alpha.cycleTime.samples).toBe(1);
      expect(alpha.age.oldest.map((o: { cardId: string }) => o.cardId)).toEqual([cardIds[0]]);
      expect(res.body.totals.status).toEqual({ active: 3, done: 1, archived: 0 });
      expect(res.body.reminders).toEqual({ upcoming24h: 0, fired7d: 0, late7d: 0 });
      expect(res.body.connectors).toEqual([]);
      expect(res.body.activity.length).toBeGreaterThan(0);
      expect(res.body.activity.length).toBeLessThanOrEqual(20);
    });

    it('answers 304 to If-None-Match with the current ETag, 200 once the chain moved', async () => {
      // The ETag moves each minute: retry once if the minute turned between the two requests.
      let etag = '';
      let again: ApiResponse | undefined;
      for (let attempt = 0; attempt < 2 && again?.status !== 304; attempt++) {
        etag = (await dashboardOf(team.viewer.accessToken)).headers.get('etag')!;
        expect(etag).toMatch(/^W\/"d\d+\.\d+\.\d+"$/);
        again = await dashboardOf(team.viewer.accessToken, { 'if-none-match': etag });
      }
      expect(again?.status).toBe(304);
      expect(again?.text).toBe('');
      expect(again?.headers.get('etag')).toBe(etag);
      await createCard(api, team.member.accessToken, board.boardId);
      const changed = await dashboardOf(team.viewer.accessToken, { 'if-none-match': etag });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(etag);
    });

    it('counts notes created and edited in the last 7 days from their events', async () => {
      const token = team.member.accessToken;
      const note = await api.post(
        `/v1/workspaces/${team.workspaceId}/notes`,
        { title: 'Plan', body: 'first' },
        { token },
      );
      expect(note.status).toBe(201);
      await api.patch(`/v1/notes/${note.body.id}`, { body: 'second' }, { token });
      const res = await dashboardOf(team.viewer.accessToken);
      expect(res.body.notes).toEqual({ created7d: 1, edited7d: 1 });
    });

    it('leaves archived boards out (totals too), and shows them again once restored', async () => {
      const token = team.owner.accessToken;
      const gamma = await createBoard(api, token, team.workspaceId, 'Gamma');
      await createCard(api, token, gamma.boardId, { columnId: gamma.columns[2] });
      const has = (r: ApiResponse) =>
        r.body.boards.some((b: { boardId: string }) => b.boardId === gamma.boardId);
      const finishedToday = (r: ApiResponse): number => r.body.totals.throughput.at(-1).count;
      // Shown with its finished card: the board and the card are projected by separate events.
      const hasDoneCard = (r: ApiResponse) =>
        r.body.boards.some(
          (b: { boardId: string; status: { done: number } }) =>
            b.boardId === gamma.boardId && b.status.done === 1,
        );
      const shown = await eventually(() => dashboardOf(token), hasDoneCard);
      expect(has(shown)).toBe(true);
      const withGamma = finishedToday(shown);
      expect((await api.post(`/v1/boards/${gamma.boardId}/archive`, {}, { token })).status).toBe(
        200,
      );
      const hidden = await eventually(
        () => dashboardOf(token),
        (r) => !has(r),
      );
      expect(has(hidden)).toBe(false);
      expect(finishedToday(hidden)).toBe(withGamma - 1);
      expect((await api.post(`/v1/boards/${gamma.boardId}/restore`, {}, { token })).status).toBe(
        200,
      );
      const back = await eventually(() => dashboardOf(token), hasDoneCard);
      expect(finishedToday(back)).toBe(withGamma);
    });

    it('is 404 for another tenant (also with If-None-Match), 401 without a token', async () => {
      expectProblem(await dashboardOf(team.outsider.accessToken), 404, 'not-found');
      const etag = (await dashboardOf(team.viewer.accessToken)).headers.get('etag')!;
      expectProblem(
        await dashboardOf(team.outsider.accessToken, { 'if-none-match': etag }),
        404,
        'not-found',
      );
      expectProblem(await api.get(`/v1/workspaces/${team.workspaceId}/dashboard`), 401);
      expectProblem(
        await api.get('/v1/workspaces/not-a-uuid/dashboard', { token: team.viewer.accessToken }),
        400,
      );
    });

    it('answers anew once the chain moved: a created, then a moved card (new ETag and body)', async () => {
      const token = team.viewer.accessToken;
      const before = await kept(() => dashboardOf(token));
      const beta = (r: ApiResponse) =>
        r.body.boards.find((b: { boardId: string }) => b.boardId === otherBoard.boardId).status;
      const { active, done } = beta(before);
      const card = await createCard(api, team.member.accessToken, otherBoard.boardId);
      const created = await eventually(
        () => dashboardOf(token),
        (r) => beta(r).active === active + 1,
      );
      expect(beta(created)).toEqual({ active: active + 1, done, archived: 0 });
      expect(created.headers.get('etag')).not.toBe(before.headers.get('etag'));
      const settled = await kept(() => dashboardOf(token));
      await api.post(
        `/v1/cards/${card.id}/move`,
        { columnId: otherBoard.columns[2] },
        { token: team.member.accessToken },
      );
      const moved = await eventually(
        () => dashboardOf(token),
        (r) => beta(r).done === done + 1,
      );
      expect(beta(moved)).toEqual({ active, done: done + 1, archived: 0 });
      expect(moved.headers.get('etag')).not.toBe(settled.headers.get('etag'));
    });

    it('resolves tenancy on every request while the answer is kept', async () => {
      // The ETag moves each minute: retry once if the minute turned between the requests.
      let owner: ApiResponse | undefined;
      let viewer: ApiResponse | undefined;
      for (let attempt = 0; attempt < 2; attempt++) {
        owner = await kept(() => dashboardOf(team.owner.accessToken));
        expectProblem(await dashboardOf(team.outsider.accessToken), 404, 'not-found');
        viewer = await dashboardOf(team.viewer.accessToken);
        if (viewer.headers.get('etag') === owner.headers.get('etag')) break;
      }
      expect(viewer?.status).toBe(200);
      expect(viewer?.headers.get('etag')).toBe(owner?.headers.get('etag'));
      expect(viewer?.body).toEqual(owner?.body);
    });

    it('answers 404 to a member removed since, though the answer is kept', async () => {
      const other = await createTeam(api);
      const dashboard = (token: string, headers?: Record<string, string>) =>
        api.get(`/v1/workspaces/${other.workspaceId}/dashboard`, { token, headers });
      expect((await dashboard(other.member.accessToken)).status).toBe(200);
      const removed = await api.delete(
        `/v1/workspaces/${other.workspaceId}/members/${other.member.id}`,
        { token: other.owner.accessToken },
      );
      expect(removed.status).toBe(204);
      const etag = (await kept(() => dashboard(other.viewer.accessToken))).headers.get('etag')!;
      expectProblem(await dashboard(other.member.accessToken), 404, 'not-found');
      expectProblem(
        await dashboard(other.member.accessToken, { 'if-none-match': etag }),
        404,
        'not-found',
      );
      expect((await dashboard(other.viewer.accessToken)).status).toBe(200);
    });
  });

  describe('GET /v1/boards/{boardId}/metrics', () => {
    const metrics = (token: string, boardId: string, qs: string) =>
      api.get(`/v1/boards/${boardId}/metrics?${qs}`, { token });

    it('answers an ETag, 304 to If-None-Match while the chain stands, 200 once it moves', async () => {
      const qs = `from=${today()}&to=${today()}`;
      const get = (headers?: Record<string, string>) =>
        api.get(`/v1/boards/${board.boardId}/metrics?${qs}`, {
          token: team.viewer.accessToken,
          headers,
        });
      let first = await get();
      let again = await get({ 'if-none-match': first.headers.get('etag')! });
      // The validator has the minute in it: retry once if the minute turned in between.
      if (again.status !== 304) {
        first = await get();
        again = await get({ 'if-none-match': first.headers.get('etag')! });
      }
      expect(first.status).toBe(200);
      expect(first.headers.get('etag')).toMatch(/^W\/"m[\d.]+"$/);
      expect(again.status).toBe(304);
      expect(again.text).toBe('');
      expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
      // Another tenant's member is 404, with or without the ETag.
      const stranger = await createTeam(api);
      expectProblem(
        await api.get(`/v1/boards/${board.boardId}/metrics?${qs}`, {
          token: stranger.member.accessToken,
          headers: { 'if-none-match': first.headers.get('etag')! },
        }),
        404,
        'not-found',
      );
      await createCard(api, team.member.accessToken, board.boardId);
      const moved = await eventually(
        () => get({ 'if-none-match': first.headers.get('etag')! }),
        (r) => r.status === 200,
      );
      expect(moved.status).toBe(200);
      expect(moved.headers.get('etag')).not.toBe(first.headers.get('etag'));
      expect(moved.body.throughput).toEqual(expect.any(Array));
    });

    it('gives a viewer throughput, percentiles and the CFD per day', async () => {
      const res = await eventually(
        () => metrics(team.viewer.accessToken, board.boardId, `from=${today()}&to=${today()}`),
        (r) => r.status === 200 && r.body.throughput[0]?.count === 1,
      );
      expect(res.status).toBe(200);
      expect(res.body.tz).toBe('UTC');
      expect(res.body.throughput).toEqual([{ day: today(), count: 1 }]);
      expect(res.body.cycleTime.samples).toBe(1);
      expect(res.body.leadTime.samples).toBe(1);
      expect(res.body.cfd[0].columns.map((c: { columnId: string }) => c.columnId)).toEqual(
        board.columns,
      );
    });

    it("cuts days in the workspace's time zone when no tz is given", async () => {
      const setZone = (timeZone: string) =>
        api.patch(
          `/v1/workspaces/${team.workspaceId}`,
          { timeZone },
          { token: team.owner.accessToken },
        );
      expect((await setZone('Pacific/Kiritimati')).status).toBe(200);
      try {
        const res = await metrics(
          team.viewer.accessToken,
          board.boardId,
          'from=2026-01-01&to=2026-01-02',
        );
        expect(res.status).toBe(200);
        expect(res.body.tz).toBe('Pacific/Kiritimati');
        // A zone in the query still wins.
        const asked = await metrics(
          team.viewer.accessToken,
          board.boardId,
          'from=2026-01-01&to=2026-01-02&tz=Europe/Berlin',
        );
        expect(asked.body.tz).toBe('Europe/Berlin');
      } finally {
        expect((await setZone('UTC')).status).toBe(200);
      }
    });

    it.each([
      ['from=yesterday&to=2026-01-01', 422],
      ['from=2026-01-01', 422],
      ['from=2026-02-30&to=2026-03-01', 422],
      ['from=2026-03-02&to=2026-03-01', 422],
      ['from=2024-01-01&to=2026-01-01', 422],
      ['from=2026-01-01&to=2026-01-02&tz=Nowhere/Land', 422],
    ])('refuses %s with %i', async (qs, status) => {
      expectProblem(await metrics(team.viewer.accessToken, board.boardId, qs), status);
    });

    it('is 404 for another tenant and an unknown board', async () => {
      const qs = `from=${today()}&to=${today()}`;
      // Kept for the viewer first: another tenant is refused before the cache is asked.
      expect((await metrics(team.viewer.accessToken, board.boardId, qs)).status).toBe(200);
      expect((await metrics(team.viewer.accessToken, board.boardId, qs)).status).toBe(200);
      expectProblem(await metrics(team.outsider.accessToken, board.boardId, qs), 404, 'not-found');
      expectProblem(
        await metrics(team.viewer.accessToken, '0190a5c8-0000-7000-8000-000000000000', qs),
        404,
      );
    });
  });

  describe('activity feeds', () => {
    it('pages the workspace feed newest first, without ip, user agent or changes', async () => {
      const token = team.viewer.accessToken;
      const first = await api.get(`/v1/workspaces/${team.workspaceId}/activity?limit=2`, {
        token,
      });
      expect(first.status).toBe(200);
      expect(first.body.data).toHaveLength(2);
      for (const entry of first.body.data) {
        expect(Object.keys(entry).sort()).toEqual(
          ['action', 'actor', 'entityId', 'entityType', 'id', 'occurredAt', 'summary'].sort(),
        );
      }
      const second = await api.get(
        `/v1/workspaces/${team.workspaceId}/activity?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
        { token },
      );
      expect(second.status).toBe(200);
      const times = [...first.body.data, ...second.body.data].map((e) => e.occurredAt);
      expect([...times].sort().reverse()).toEqual(times);
      expect(new Set([...first.body.data, ...second.body.data].map((e) => e.id)).size).toBe(4);
      expectProblem(
        await api.get(`/v1/workspaces/${team.workspaceId}/activity?cursor=forged.cursor`, {
          token,
        }),
        400,
        'invalid-cursor',
      );
    });

    it('filters by board and by entity', async () => {
      const token = team.viewer.accessToken;
      const res = await eventually(
        () =>
          api.get(
            `/v1/workspaces/${team.workspaceId}/activity?boardId=${board.boardId}&limit=200`,
            {
              token,
            },
          ),
        (r) => r.body?.data?.some((e: { entityId: string }) => e.entityId === cardIds[2]),
      );
      const ids = new Set(res.body.data.map((e: { entityId: string }) => e.entityId));
      expect(ids.has(cardIds[0])).toBe(true);
      expect(ids.has(board.boardId)).toBe(true);
      expect(ids.has(otherBoard.boardId)).toBe(false);
      const one = await api.get(
        `/v1/workspaces/${team.workspaceId}/activity?entityId=${cardIds[0]}`,
        { token },
      );
      expect(one.body.data.map((e: { action: string }) => e.action)).toEqual([
        'card.moved',
        'card.created',
      ]);
      expect(one.body.data[0].summary).toMatch(/^card\.moved \(columnId(, position)?\)$/);
    });

    it("shows a card's own history to members only", async () => {
      const res = await api.get(`/v1/cards/${cardIds[1]}/activity`, {
        token: team.viewer.accessToken,
      });
      expect(res.status).toBe(200);
      expect(res.body.data.map((e: { action: string }) => e.action)).toEqual([
        'card.moved',
        'card.created',
      ]);
      expectProblem(
        await api.get(`/v1/cards/${cardIds[1]}/activity`, { token: team.outsider.accessToken }),
        404,
        'not-found',
      );
      expectProblem(
        await api.get(`/v1/workspaces/${team.workspaceId}/activity`, {
          token: team.outsider.accessToken,
        }),
        404,
        'not-found',
      );
      expectProblem(
        await api.get('/v1/cards/0190a5c8-0000-7000-8000-000000000000/activity', {
          token: team.viewer.accessToken,
        }),
        404,
      );
    });
  });
});

/**
 * With no consumer running (BACKGROUND_JOBS=false), nothing of the board's flow is projected,
 * yet its metrics answer as soon as the board exists and stop as soon as it is deleted: the
 * dashboard registers boards in the transaction that creates or deletes them.
 */
describe('board metrics read the board’s own writes (e2e)', () => {
  let app: TestApp;
  let api: Client;
  let team: Team;

  beforeAll(async () => {
    app = await startApp({ BACKGROUND_JOBS: 'false' });
    api = client(app);
    team = await createTeam(api);
  });
  afterAll(() => app.stop());

  it('answers 200 right after the board is created and 404 right after it is deleted', async () => {
    const token = team.member.accessToken;
    const board = await createBoard(api, token, team.workspaceId, 'Fresh');
    const qs = `from=${today()}&to=${today()}`;
    const res = await api.get(`/v1/boards/${board.boardId}/metrics?${qs}`, { token });
    expect(res.status).toBe(200);
    expect(res.body.throughput).toEqual([{ day: today(), count: 0 }]);

    const deleted = await api.delete(`/v1/boards/${board.boardId}`, {
      token: team.owner.accessToken,
    });
    expect(deleted.status).toBe(204);
    expectProblem(
      await api.get(`/v1/boards/${board.boardId}/metrics?${qs}`, { token }),
      404,
      'not-found',
    );
  });
});
