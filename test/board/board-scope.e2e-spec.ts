import { startApp, type TestApp } from '../support/app.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createBoard, createCard, createLabel } from './fixtures.js';

/**
 * What the move onto the workspace unit of work must keep, and gaps it found: answers computed
 * without reading back equal what is stored, cursors are bound to their list, events carry
 * the fields other modules react to, and every row type hides other tenants' rows.
 */
describe('board on the workspace unit of work', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
  });
  afterAll(() => app.stop());

  async function setup(): Promise<{
    team: Team;
    token: string;
    boardId: string;
    columns: string[];
  }> {
    const team = await createTeam(api);
    const token = team.member.accessToken;
    return { team, token, ...(await createBoard(api, token, team.workspaceId)) };
  }

  const eventsOf = async (team: Team, action: string) => {
    const res = await api.get(`/v1/workspaces/${team.workspaceId}/audit-events?action=${action}`, {
      token: team.owner.accessToken,
    });
    expect(res.status).toBe(200);
    return res.body.data as Array<{
      entityId: string;
      entityType: string;
      changes: Record<string, { from: unknown; to: unknown }>;
    }>;
  };

  it('answers a move with the card exactly as stored (timestamps, version, ETag)', async () => {
    const { token, boardId, columns } = await setup();
    const card = await createCard(api, token, boardId);
    for (const columnId of [columns[2], columns[1], columns[2], columns[2]]) {
      const moved = await api.post(
        `/v1/cards/${card.id}/move`,
        { columnId, placement: 'top' },
        { token },
      );
      expect(moved.status).toBe(200);
      const stored = await api.get(`/v1/cards/${card.id}`, { token });
      expect(moved.body).toEqual(stored.body);
      expect(moved.headers.get('etag')).toBe(stored.headers.get('etag'));
    }
    const final = await api.get(`/v1/cards/${card.id}`, { token });
    expect(final.body.columnId).toBe(columns[2]);
    expect(final.body.doneFirstAt).not.toBeNull();
    expect(final.body.doneLastAt).toBe(final.body.columnEnteredAt);
    expect(final.body.doneFirstAt <= final.body.doneLastAt).toBe(true);
  });

  it('refuses a stale move with 412 (If-Match) or 409 and changes nothing', async () => {
    const { token, boardId, columns } = await setup();
    const card = await createCard(api, token, boardId);
    await api.patch(`/v1/cards/${card.id}`, { title: 'edited' }, { token });
    expectProblem(
      await api.post(
        `/v1/cards/${card.id}/move`,
        { columnId: columns[1] },
        { token, headers: { 'if-match': `"${card.version}"` } },
      ),
      412,
    );
    expect((await api.get(`/v1/cards/${card.id}`, { token })).body.columnId).toBe(columns[0]);
  });

  it('puts dueAt in the changes of card events (created, updated, deleted)', async () => {
    const { team, token, boardId } = await setup();
    const dueAt = '2030-01-02T03:04:05.000Z';
    const card = await createCard(api, token, boardId, { dueAt });
    const later = '2030-02-03T04:05:06.000Z';
    expect((await api.patch(`/v1/cards/${card.id}`, { dueAt: later }, { token })).status).toBe(200);
    expect((await api.delete(`/v1/cards/${card.id}`, { token })).status).toBe(204);
    const [created] = await eventsOf(team, 'card.created');
    expect(created).toMatchObject({ entityId: card.id, entityType: 'card' });
    expect(created.changes.dueAt).toEqual({ from: null, to: dueAt });
    const [updated] = await eventsOf(team, 'card.updated');
    expect(updated.changes.dueAt).toEqual({ from: dueAt, to: later });
    const [deleted] = await eventsOf(team, 'card.deleted');
    expect(deleted.changes.dueAt).toEqual({ from: later, to: null });
  });

  it("refuses another list's cursor (400 invalid-cursor) on every board list", async () => {
    const { token, boardId, team } = await setup();
    const card = await createCard(api, token, boardId);
    await createLabel(api, token, boardId, 'a');
    await createLabel(api, token, boardId, 'b');
    const columnsPage = await api.get(`/v1/boards/${boardId}/columns?limit=1`, { token });
    const foreign = encodeURIComponent(columnsPage.body.nextCursor as string);
    const labelsPage = await api.get(`/v1/boards/${boardId}/labels?limit=1`, { token });
    expect(labelsPage.body.nextCursor).toEqual(expect.any(String));
    for (const path of [
      `/v1/boards/${boardId}/cards`,
      `/v1/boards/${boardId}/labels`,
      `/v1/cards/${card.id}/comments`,
      `/v1/workspaces/${team.workspaceId}/boards`,
    ]) {
      expectProblem(await api.get(`${path}?cursor=${foreign}`, { token }), 400, 'invalid-cursor');
    }
    const tampered = `${columnsPage.body.nextCursor as string}x`;
    expectProblem(
      await api.get(`/v1/boards/${boardId}/columns?cursor=${encodeURIComponent(tampered)}`, {
        token,
      }),
      400,
      'invalid-cursor',
    );
  });

  it("answers 404 for another tenant's column, label and comment, like a missing one", async () => {
    const { team, token, boardId } = await setup();
    const card = await createCard(api, token, boardId);
    const labelId = await createLabel(api, token, boardId);
    const comment = await api.post(`/v1/cards/${card.id}/comments`, { body: 'hi' }, { token });
    const columnId = card.columnId;
    const outsider = team.outsider.accessToken;
    const missing = '00000000-0000-7000-8000-000000000000';
    const rows: Array<[string, string, Record<string, string>]> = [
      ['columns', columnId, { name: 'x' }],
      ['labels', labelId, { name: 'x' }],
      ['comments', comment.body.id as string, { body: 'x' }],
    ];
    for (const [kind, id, edit] of rows) {
      const foreign = await api.get(`/v1/${kind}/${id}`, { token: outsider });
      const absent = await api.get(`/v1/${kind}/${missing}`, { token: outsider });
      expectProblem(foreign, 404, 'not-found');
      expect(foreign.body.detail).toBe(absent.body.detail);
      expectProblem(await api.patch(`/v1/${kind}/${id}`, edit, { token: outsider }), 404);
      expectProblem(await api.delete(`/v1/${kind}/${id}`, { token: outsider }), 404);
    }
    expectProblem(await api.get(`/v1/cards/${card.id}/comments`, { token: outsider }), 404);
    expectProblem(await api.get(`/v1/boards/${boardId}/labels`, { token: outsider }), 404);
    expectProblem(await api.get(`/v1/boards/${boardId}/columns`, { token: outsider }), 404);
    // Still there for their own workspace.
    expect((await api.get(`/v1/labels/${labelId}`, { token })).status).toBe(200);
  });

  it("refuses another workspace's column as a move or create target (422), leaving it alone", async () => {
    const a = await setup();
    const b = await setup();
    const card = await createCard(api, a.token, a.boardId);
    expectProblem(
      await api.post(`/v1/cards/${card.id}/move`, { columnId: b.columns[0] }, { token: a.token }),
      422,
      'invalid-placement',
    );
    expectProblem(
      await api.post(
        `/v1/boards/${a.boardId}/cards`,
        { title: 'x', columnId: b.columns[0] },
        { token: a.token },
      ),
      422,
    );
    expectProblem(
      await api.delete(`/v1/columns/${a.columns[0]}?moveCardsTo=${b.columns[1]}`, {
        token: a.token,
      }),
      422,
    );
  });

  it("lets an admin delete another's comment only with the admin scope on an API token", async () => {
    const { team, token, boardId } = await setup();
    const card = await createCard(api, token, boardId);
    const mint = async (scopes: string[]) => {
      const res = await api.post(
        '/v1/me/tokens',
        { name: scopes.join('-'), scopes },
        { token: team.admin.accessToken },
      );
      expect(res.status).toBe(201);
      return res.body.token as string;
    };
    const reader = await mint(['read']);
    const writer = await mint(['read', 'write']);
    const admin = await mint(['read', 'write', 'admin']);
    const comment = async () =>
      (await api.post(`/v1/cards/${card.id}/comments`, { body: 'mine' }, { token })).body
        .id as string;
    expectProblem(
      await api.post(`/v1/cards/${card.id}/comments`, { body: 'x' }, { token: reader }),
      403,
      'insufficient-scope',
    );
    const first = await comment();
    expectProblem(
      await api.delete(`/v1/comments/${first}`, { token: writer }),
      403,
      'insufficient-scope',
    );
    expectProblem(
      await api.delete(`/v1/comments/${first}`, { token: team.viewer.accessToken }),
      403,
      'forbidden',
    );
    expect((await api.get(`/v1/comments/${first}`, { token })).status).toBe(200);
    expect((await api.delete(`/v1/comments/${first}`, { token: admin })).status).toBe(204);
    // The author needs no admin rights for their own comment.
    const own = (
      await api.post(`/v1/cards/${card.id}/comments`, { body: 'by token' }, { token: writer })
    ).body.id as string;
    expect((await api.delete(`/v1/comments/${own}`, { token: writer })).status).toBe(204);
  });
});
