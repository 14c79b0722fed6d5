import { startApp, type TestApp } from '../support/app.js';
import { createTeam } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createBoard, createCard, ifMatch, listAll, titles } from './fixtures.js';

describe('columns', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
  });
  afterAll(() => app.stop());

  const names = async (token: string, boardId: string) =>
    (await api.get(`/v1/boards/${boardId}/columns`, { token })).body.data.map(
      (c: { name: string }) => c.name,
    );

  it('creates columns last or after/before another, and reorders them', async () => {
    const team = await createTeam(api);
    const token = team.member.accessToken;
    const { boardId, columns } = await createBoard(api, token, team.workspaceId);
    const review = await api.post(
      `/v1/boards/${boardId}/columns`,
      { name: 'Review', afterColumnId: columns[1], wipLimit: 3 },
      { token },
    );
    expect(review.status).toBe(201);
    expect(review.body).toMatchObject({
      name: 'Review',
      wipLimit: 3,
      isDone: false,
      inProgress: false,
      version: 1,
    });
    await api.post(
      `/v1/boards/${boardId}/columns`,
      { name: 'Backlog', beforeColumnId: columns[0] },
      { token },
    );
    await api.post(`/v1/boards/${boardId}/columns`, { name: 'Later' }, { token });
    expect(await names(token, boardId)).toEqual([
      'Backlog',
      'To do',
      'Doing',
      'Review',
      'Done',
      'Later',
    ]);

    const moved = await api.post(
      `/v1/columns/${review.body.id}/move`,
      { beforeColumnId: columns[0] },
      { token, headers: ifMatch(1) },
    );
    expect(moved.status).toBe(200);
    expect(moved.body.version).toBe(2);
    expect(await names(token, boardId)).toEqual([
      'Backlog',
      'Review',
      'To do',
      'Doing',
      'Done',
      'Later',
    ]);
    await api.post(`/v1/columns/${review.body.id}/move`, {}, { token });
    expect(await names(token, boardId)).toEqual([
      'Backlog',
      'To do',
      'Doing',
      'Done',
      'Later',
      'Review',
    ]);
    // Already there: nothing changes.
    const same = await api.post(`/v1/columns/${review.body.id}/move`, {}, { token });
    expect(same.body.version).toBe(3);
    expectProblem(
      await api.post(`/v1/columns/${review.body.id}/move`, {}, { token, headers: ifMatch(1) }),
      412,
    );
  });

  it('refuses neighbours of another board and bad input', async () => {
    const team = await createTeam(api);
    const token = team.member.accessToken;
    const a = await createBoard(api, token, team.workspaceId);
    const b = await createBoard(api, token, team.workspaceId);
    expectProblem(
      await api.post(
        `/v1/boards/${a.boardId}/columns`,
        { name: 'X', afterColumnId: b.columns[0] },
        { token },
      ),
      422,
      'invalid-placement',
    );
    expectProblem(
      await api.post(
        `/v1/columns/${a.columns[0]}/move`,
        { afterColumnId: a.columns[0] },
        { token },
      ),
      422,
      'invalid-placement',
    );
    expectProblem(
      await api.post(
        `/v1/columns/${a.columns[0]}/move`,
        { afterColumnId: a.columns[2], beforeColumnId: a.columns[1] },
        { token },
      ),
      422,
      'invalid-placement',
    );
    const bad = await api.post(
      `/v1/boards/${a.boardId}/columns`,
      { name: '', wipLimit: 0, isDone: 'no', inProgress: 'yes' },
      { token },
    );
    expectProblem(bad, 422, 'validation-failed');
    expect(new Set(bad.body.errors.map((e: { field: string }) => e.field))).toEqual(
      new Set(['name', 'wipLimit', 'isDone', 'inProgress']),
    );
  });

  it('sets and clears WIP limits; one done column per board', async () => {
    const team = await createTeam(api);
    const token = team.member.accessToken;
    const { boardId, columns } = await createBoard(api, token, team.workspaceId);
    const set = await api.patch(
      `/v1/columns/${columns[1]}`,
      { wipLimit: 2, name: 'In progress' },
      { token },
    );
    expect(set.body).toMatchObject({ wipLimit: 2, name: 'In progress', version: 2 });
    const cleared = await api.patch(
      `/v1/columns/${columns[1]}`,
      { wipLimit: null },
      { token, headers: ifMatch(2) },
    );
    expect(cleared.body).toMatchObject({ wipLimit: null, version: 3 });
    expectProblem(
      await api.patch(`/v1/columns/${columns[1]}`, { name: 'x' }, { token, headers: ifMatch(2) }),
      412,
      'precondition-failed',
    );
    expectProblem(await api.patch(`/v1/columns/${columns[1]}`, { name: null }, { token }), 422);

    const done = await api.patch(`/v1/columns/${columns[1]}`, { isDone: true }, { token });
    expect(done.body.isDone).toBe(true);
    const cols = (await api.get(`/v1/boards/${boardId}/columns`, { token })).body.data;
    expect(
      cols.filter((c: { isDone: boolean }) => c.isDone).map((c: { id: string }) => c.id),
    ).toEqual([columns[1]]);
    const undone = await api.patch(`/v1/columns/${columns[1]}`, { isDone: false }, { token });
    expect(undone.body.isDone).toBe(false);
  });

  it('marks and unmarks columns as in progress; the column events carry the flag', async () => {
    const team = await createTeam(api);
    const token = team.member.accessToken;
    const { boardId, columns } = await createBoard(api, token, team.workspaceId);
    expect(
      (await api.get(`/v1/boards/${boardId}/columns`, { token })).body.data.map(
        (c: { inProgress: boolean }) => c.inProgress,
      ),
    ).toEqual([false, false, false]);
    const review = await api.post(
      `/v1/boards/${boardId}/columns`,
      { name: 'Review', afterColumnId: columns[1], inProgress: true },
      { token },
    );
    expect(review.status).toBe(201);
    expect(review.body).toMatchObject({ inProgress: true, isDone: false });
    // Any number of columns may be marked (unlike the done column).
    const doing = await api.patch(`/v1/columns/${columns[1]}`, { inProgress: true }, { token });
    expect(doing.status).toBe(200);
    expect(doing.body).toMatchObject({ inProgress: true, version: 2 });
    expect((await api.get(`/v1/columns/${review.body.id}`, { token })).body.inProgress).toBe(true);
    const unmarked = await api.patch(
      `/v1/columns/${columns[1]}`,
      { inProgress: false },
      { token, headers: ifMatch(2) },
    );
    expect(unmarked.body).toMatchObject({ inProgress: false, version: 3 });
    // Unchanged: no new version, no event.
    const same = await api.patch(`/v1/columns/${columns[1]}`, { inProgress: false }, { token });
    expect(same.body.version).toBe(3);
    for (const value of ['yes', null, 1]) {
      const bad = await api.patch(`/v1/columns/${columns[1]}`, { inProgress: value }, { token });
      expectProblem(bad, 422, 'validation-failed');
      expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['inProgress']);
    }

    const events = async (action: string) =>
      (
        await api.get(`/v1/workspaces/${team.workspaceId}/audit-events?action=${action}`, {
          token: team.owner.accessToken,
        })
      ).body.data as Array<{ entityId: string; changes: Record<string, unknown> }>;
    const created = await events('column.created');
    expect(created.find((e) => e.entityId === review.body.id)?.changes.inProgress).toEqual({
      from: null,
      to: true,
    });
    // The board's default columns are created unmarked, and say so.
    expect(created.find((e) => e.entityId === columns[1])?.changes.inProgress).toEqual({
      from: null,
      to: false,
    });
    const updated = (await events('column.updated')).filter((e) => e.entityId === columns[1]);
    expect(updated.map((e) => e.changes)).toEqual(
      expect.arrayContaining([
        { inProgress: { from: false, to: true } },
        { inProgress: { from: true, to: false } },
      ]),
    );
    expect(updated).toHaveLength(2);
  });

  it('stamps done times on cards already in a column that becomes the done column', async () => {
    const team = await createTeam(api);
    const token = team.member.accessToken;
    const { boardId, columns } = await createBoard(api, token, team.workspaceId);
    const card = await createCard(api, token, boardId, { columnId: columns[1] });
    const before = (await api.get(`/v1/cards/${card.id}`, { token })).body;
    expect(before.doneFirstAt).toBeNull();
    await api.patch(`/v1/columns/${columns[1]}`, { isDone: true }, { token });
    const after = (await api.get(`/v1/cards/${card.id}`, { token })).body;
    expect(after.doneFirstAt).toBe(before.columnEnteredAt);
    expect(after.doneLastAt).toBe(before.columnEnteredAt);
  });

  it('deletes only empty columns, or moves the cards to another column first', async () => {
    const team = await createTeam(api);
    const token = team.member.accessToken;
    const { boardId, columns } = await createBoard(api, token, team.workspaceId);
    await createCard(api, token, boardId, { columnId: columns[2], title: 'd1' });
    await createCard(api, token, boardId, { columnId: columns[0], title: 't1' });
    await createCard(api, token, boardId, { columnId: columns[0], title: 't2' });
    const archived = await createCard(api, token, boardId, { columnId: columns[0], title: 't3' });
    await api.post(`/v1/cards/${archived.id}/archive`, {}, { token });

    expectProblem(
      await api.delete(`/v1/columns/${columns[0]}`, { token }),
      409,
      'column-not-empty',
    );
    expectProblem(
      await api.delete(`/v1/columns/${columns[0]}?moveCardsTo=${columns[0]}`, { token }),
      422,
      'invalid-placement',
    );
    await api.patch(`/v1/columns/${columns[2]}`, { wipLimit: 2 }, { token });
    expectProblem(
      await api.delete(`/v1/columns/${columns[0]}?moveCardsTo=${columns[2]}`, { token }),
      409,
      'wip-limit-reached',
    );
    await api.patch(`/v1/columns/${columns[2]}`, { wipLimit: 3 }, { token });
    expectProblem(
      await api.delete(`/v1/columns/${columns[0]}?moveCardsTo=${columns[2]}`, {
        token,
        headers: ifMatch(9),
      }),
      412,
    );
    const res = await api.delete(`/v1/columns/${columns[0]}?moveCardsTo=${columns[2]}`, { token });
    expect(res.status).toBe(204);
    expect(titles(await listAll(api, token, boardId))).toEqual(['d1', 't1', 't2']);
    expect(titles(await listAll(api, token, boardId, 'archived=true'))).toEqual(['t3']);
    const moved = (await listAll(api, token, boardId)).find((c) => c.title === 't1')!;
    const full = (await api.get(`/v1/cards/${moved.id}`, { token })).body;
    expect(full.columnId).toBe(columns[2]);
    expect(full.doneFirstAt).not.toBeNull();
    expect((await api.delete(`/v1/columns/${columns[1]}`, { token })).status).toBe(204);
    expect(await names(token, boardId)).toEqual(['Done']);
    expectProblem(await api.get(`/v1/columns/${columns[1]}`, { token }), 404);
  });

  it('applies roles and tenancy to columns', async () => {
    const team = await createTeam(api);
    const { boardId, columns } = await createBoard(api, team.member.accessToken, team.workspaceId);
    const viewer = team.viewer.accessToken;
    const outsider = team.outsider.accessToken;
    expect((await api.get(`/v1/columns/${columns[0]}`, { token: viewer })).status).toBe(200);
    expectProblem(
      await api.post(`/v1/boards/${boardId}/columns`, { name: 'x' }, { token: viewer }),
      403,
    );
    expectProblem(
      await api.patch(`/v1/columns/${columns[0]}`, { name: 'x' }, { token: viewer }),
      403,
    );
    expectProblem(await api.post(`/v1/columns/${columns[0]}/move`, {}, { token: viewer }), 403);
    expectProblem(await api.delete(`/v1/columns/${columns[0]}`, { token: viewer }), 403);
    expectProblem(await api.get(`/v1/boards/${boardId}/columns`, { token: outsider }), 404);
    expectProblem(await api.get(`/v1/columns/${columns[0]}`, { token: outsider }), 404);
    expectProblem(
      await api.patch(`/v1/columns/${columns[0]}`, { name: 'x' }, { token: outsider }),
      404,
    );
    expectProblem(await api.delete(`/v1/columns/${columns[0]}`, { token: outsider }), 404);
    expectProblem(
      await api.post(`/v1/boards/${boardId}/columns`, { name: 'x' }, { token: outsider }),
      404,
    );
  });

  it('replays an idempotent column create', async () => {
    const team = await createTeam(api);
    const token = team.member.accessToken;
    const { boardId } = await createBoard(api, token, team.workspaceId);
    const headers = { 'idempotency-key': 'col-1' };
    const a = await api.post(`/v1/boards/${boardId}/columns`, { name: 'QA' }, { token, headers });
    const b = await api.post(`/v1/boards/${boardId}/columns`, { name: 'QA' }, { token, headers });
    expect(b.headers.get('idempotent-replayed')).toBe('true');
    expect(b.body.id).toBe(a.body.id);
    expect(await names(token, boardId)).toEqual(['To do', 'Doing', 'Done', 'QA']);
  });
});
