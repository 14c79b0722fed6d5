import { startApp, type TestApp } from '../support/app.js';
import { createTeam } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createBoard, ifMatch } from './fixtures.js';

describe('boards', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
  });
  afterAll(() => app.stop());

  it('creates a board with the default columns, the last one done', async () => {
    const team = await createTeam(api);
    const res = await api.post(
      `/v1/workspaces/${team.workspaceId}/boards`,
      { name: '  Roadmap  ', description: '# Plans\n\n<b>as sent</b>  ' },
      { token: team.member.accessToken },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body).toMatchObject({
      name: 'Roadmap',
      description: '# Plans\n\n<b>as sent</b>  ',
      workspaceId: team.workspaceId,
      archived: false,
      archivedAt: null,
      createdBy: team.member.id,
      version: 1,
    });
    expect(res.body.createdAt).toMatch(/Z$/);
    const cols = await api.get(`/v1/boards/${res.body.id}/columns`, {
      token: team.viewer.accessToken,
    });
    expect(
      cols.body.data.map((c: { name: string; isDone: boolean }) => [c.name, c.isDone]),
    ).toEqual([
      ['To do', false],
      ['Doing', false],
      ['Done', true],
    ]);
  });

  it('creates a board without columns on request', async () => {
    const team = await createTeam(api);
    const res = await api.post(
      `/v1/workspaces/${team.workspaceId}/boards`,
      { name: 'Empty', defaultColumns: false },
      { token: team.member.accessToken },
    );
    expect(res.status).toBe(201);
    const cols = await api.get(`/v1/boards/${res.body.id}/columns`, {
      token: team.member.accessToken,
    });
    expect(cols.body).toEqual({ data: [], nextCursor: null });
  });

  it('rejects bad input with 422 naming the fields', async () => {
    const team = await createTeam(api);
    const res = await api.post(
      `/v1/workspaces/${team.workspaceId}/boards`,
      { name: '   ', defaultColumns: 'yes', extra: 1 },
      { token: team.member.accessToken },
    );
    expectProblem(res, 422, 'validation-failed');
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(new Set(fields)).toEqual(new Set(['name', 'defaultColumns', 'extra']));
    const tooLong = await api.post(
      `/v1/workspaces/${team.workspaceId}/boards`,
      { name: 'x'.repeat(201) },
      { token: team.member.accessToken },
    );
    expectProblem(tooLong, 422, 'validation-failed');
  });

  it('lets viewers read but not write (403)', async () => {
    const team = await createTeam(api);
    const board = await createBoard(api, team.member.accessToken, team.workspaceId);
    const token = team.viewer.accessToken;
    expect((await api.get(`/v1/boards/${board.boardId}`, { token })).status).toBe(200);
    expectProblem(
      await api.post(`/v1/workspaces/${team.workspaceId}/boards`, { name: 'x' }, { token }),
      403,
      'forbidden',
    );
    expectProblem(
      await api.patch(`/v1/boards/${board.boardId}`, { name: 'x' }, { token }),
      403,
      'forbidden',
    );
    expectProblem(await api.post(`/v1/boards/${board.boardId}/archive`, {}, { token }), 403);
    expectProblem(await api.delete(`/v1/boards/${board.boardId}`, { token }), 403);
  });

  it('hides boards of other workspaces (404 everywhere, absent from lists)', async () => {
    const team = await createTeam(api);
    const board = await createBoard(api, team.member.accessToken, team.workspaceId);
    const token = team.outsider.accessToken;
    const missing = await api.get(`/v1/boards/00000000-0000-7000-8000-000000000000`, { token });
    const foreign = await api.get(`/v1/boards/${board.boardId}`, { token });
    expectProblem(foreign, 404, 'not-found');
    expect(foreign.body.detail).toBe(missing.body.detail);
    expectProblem(await api.patch(`/v1/boards/${board.boardId}`, { name: 'x' }, { token }), 404);
    expectProblem(await api.delete(`/v1/boards/${board.boardId}`, { token }), 404);
    expectProblem(await api.post(`/v1/boards/${board.boardId}/archive`, {}, { token }), 404);
    expectProblem(await api.get(`/v1/workspaces/${team.workspaceId}/boards`, { token }), 404);
    expectProblem(
      await api.post(`/v1/workspaces/${team.workspaceId}/boards`, { name: 'x' }, { token }),
      404,
    );
    expectProblem(await api.get('/v1/boards/not-a-uuid', { token }), 400, 'malformed-request');
  });

  it('lists active boards with cursor pagination, archived ones on request', async () => {
    const team = await createTeam(api);
    const token = team.member.accessToken;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push((await createBoard(api, token, team.workspaceId, `B${i}`)).boardId);
    }
    await api.post(`/v1/boards/${ids[1]}/archive`, {}, { token });
    const first = await api.get(`/v1/workspaces/${team.workspaceId}/boards?limit=2`, { token });
    expect(first.status).toBe(200);
    expect(first.body.data.map((b: { name: string }) => b.name)).toEqual(['B0', 'B2']);
    const second = await api.get(
      `/v1/workspaces/${team.workspaceId}/boards?limit=2&cursor=${first.body.nextCursor}`,
      { token },
    );
    expect(second.body.data.map((b: { name: string }) => b.name)).toEqual(['B3', 'B4']);
    expect(second.body.nextCursor).toBeNull();
    const archived = await api.get(`/v1/workspaces/${team.workspaceId}/boards?archived=true`, {
      token,
    });
    expect(archived.body.data.map((b: { id: string }) => b.id)).toEqual([ids[1]]);
    expectProblem(
      await api.get(`/v1/workspaces/${team.workspaceId}/boards?archived=maybe`, { token }),
      422,
    );
    expectProblem(
      await api.get(`/v1/workspaces/${team.workspaceId}/boards?cursor=forged.cursor`, { token }),
      400,
      'invalid-cursor',
    );
  });

  it('updates with If-Match (412 when stale); a no-op keeps the version; null is refused', async () => {
    const team = await createTeam(api);
    const token = team.member.accessToken;
    const { boardId } = await createBoard(api, token, team.workspaceId);
    const ok = await api.patch(
      `/v1/boards/${boardId}`,
      { name: 'Renamed' },
      { token, headers: ifMatch(1) },
    );
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('"2"');
    expect(ok.body).toMatchObject({ name: 'Renamed', version: 2 });
    const stale = await api.patch(
      `/v1/boards/${boardId}`,
      { description: 'late' },
      { token, headers: ifMatch(1) },
    );
    expectProblem(stale, 412, 'precondition-failed');
    const unchanged = await api.patch(`/v1/boards/${boardId}`, { name: 'Renamed' }, { token });
    expect(unchanged.body.version).toBe(2);
    const nulled = await api.patch(`/v1/boards/${boardId}`, { name: null }, { token });
    expectProblem(nulled, 422, 'validation-failed');
  });

  it('replays an idempotent create instead of creating twice', async () => {
    const team = await createTeam(api);
    const token = team.member.accessToken;
    const headers = { 'idempotency-key': 'board-create-1' };
    const path = `/v1/workspaces/${team.workspaceId}/boards`;
    const first = await api.post(path, { name: 'Once' }, { token, headers });
    const again = await api.post(path, { name: 'Once' }, { token, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    const list = await api.get(path, { token });
    expect(list.body.data).toHaveLength(1);
    const other = await api.post(path, { name: 'Different' }, { token, headers });
    expectProblem(other, 422, 'idempotency-key-reused');
  });

  it('archives a board read-only and restores it', async () => {
    const team = await createTeam(api);
    const token = team.member.accessToken;
    const { boardId, columns } = await createBoard(api, token, team.workspaceId);
    const archived = await api.post(`/v1/boards/${boardId}/archive`, {}, { token });
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ archived: true, version: 2 });
    expect(archived.body.archivedAt).toMatch(/Z$/);
    const again = await api.post(`/v1/boards/${boardId}/archive`, {}, { token });
    expect(again.body.version).toBe(2);
    expectProblem(
      await api.post(`/v1/boards/${boardId}/cards`, { title: 'x' }, { token }),
      409,
      'board-archived',
    );
    expectProblem(
      await api.patch(`/v1/columns/${columns[0]}`, { name: 'x' }, { token }),
      409,
      'board-archived',
    );
    expectProblem(await api.patch(`/v1/boards/${boardId}`, { name: 'x' }, { token }), 409);
    expect((await api.get(`/v1/boards/${boardId}/cards`, { token })).status).toBe(200);
    const restored = await api.post(`/v1/boards/${boardId}/restore`, {}, { token });
    expect(restored.body).toMatchObject({ archived: false, archivedAt: null, version: 3 });
    expect((await api.post(`/v1/boards/${boardId}/cards`, { title: 'x' }, { token })).status).toBe(
      201,
    );
  });

  it('lets only admins delete a board, with its cards; stale If-Match is 412', async () => {
    const team = await createTeam(api);
    const { boardId } = await createBoard(api, team.member.accessToken, team.workspaceId);
    const card = await api.post(
      `/v1/boards/${boardId}/cards`,
      { title: 'goes too' },
      { token: team.member.accessToken },
    );
    expectProblem(
      await api.delete(`/v1/boards/${boardId}`, { token: team.member.accessToken }),
      403,
    );
    expectProblem(
      await api.delete(`/v1/boards/${boardId}`, {
        token: team.admin.accessToken,
        headers: ifMatch(7),
      }),
      412,
    );
    const res = await api.delete(`/v1/boards/${boardId}`, {
      token: team.admin.accessToken,
      headers: ifMatch(1),
    });
    expect(res.status).toBe(204);
    expectProblem(await api.get(`/v1/boards/${boardId}`, { token: team.admin.accessToken }), 404);
    expectProblem(
      await api.get(`/v1/cards/${card.body.id}`, { token: team.admin.accessToken }),
      404,
    );
  });
});
