import { startApp, type TestApp } from '../support/app.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createBoard, createCard, createLabel } from './fixtures.js';

describe('GET /v1/boards/{boardId}/view', () => {
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

  it('returns the board, every column with its first cards and a cursor, labels, members', async () => {
    const { team, token, boardId, columns } = await setup();
    const labelId = await createLabel(api, token, boardId, 'bug');
    const first = await createCard(api, token, boardId, { title: 'a', labelIds: [labelId] });
    await createCard(api, token, boardId, { title: 'b' });
    await createCard(api, token, boardId, { title: 'c' });
    const archived = await createCard(api, token, boardId, { title: 'gone' });
    await api.post(`/v1/cards/${archived.id}/archive`, {}, { token });
    await createCard(api, token, boardId, {
      title: 'done',
      columnId: columns[2],
      assigneeIds: [team.viewer.id],
    });

    const res = await api.get(`/v1/boards/${boardId}/view?cardsPerColumn=2`, {
      token: team.viewer.accessToken,
    });
    expect(res.status).toBe(200);
    const board = await api.get(`/v1/boards/${boardId}`, { token });
    expect(res.body.board).toEqual(board.body);
    expect(res.body.columns.map((c: { id: string }) => c.id)).toEqual(columns);
    const [todo, doing, done] = res.body.columns;
    const column = await api.get(`/v1/columns/${columns[0]}`, { token });
    expect({ ...todo, cards: undefined, nextCursor: undefined }).toEqual({
      ...column.body,
      cards: undefined,
      nextCursor: undefined,
    });
    // The same items as the card list's, and the cursor continues there.
    const listed = await api.get(`/v1/boards/${boardId}/cards?columnId=${columns[0]}&limit=2`, {
      token,
    });
    expect(todo.cards).toEqual(listed.body.data);
    expect(todo.cards[0]).toMatchObject({ id: first.id, labelIds: [labelId] });
    expect(todo.nextCursor).toEqual(expect.any(String));
    const rest = await api.get(
      `/v1/boards/${boardId}/cards?columnId=${columns[0]}&cursor=${encodeURIComponent(todo.nextCursor)}`,
      { token },
    );
    expect(rest.body.data.map((c: { title: string }) => c.title)).toEqual(['c']);
    expect(rest.body.nextCursor).toBeNull();
    expect(doing).toMatchObject({ cards: [], nextCursor: null });
    expect(done.cards.map((c: { title: string }) => c.title)).toEqual(['done']);
    expect(done.nextCursor).toBeNull();
    expect(res.body.labels).toEqual([
      expect.objectContaining({ id: labelId, name: 'bug', boardId }),
    ]);
    const members = res.body.members as Array<{ userId: string; role: string }>;
    expect(members.sort((a, b) => a.userId.localeCompare(b.userId))).toEqual(
      [
        { userId: team.member.id, role: 'member' },
        { userId: team.viewer.id, role: 'viewer' },
      ].sort((a, b) => a.userId.localeCompare(b.userId)),
    );
  });

  it('answers an empty board with its columns and nothing else', async () => {
    const { token, boardId } = await setup();
    const res = await api.get(`/v1/boards/${boardId}/view`, { token });
    expect(res.status).toBe(200);
    expect(res.body.columns).toHaveLength(3);
    expect(res.body.columns.every((c: { cards: unknown[] }) => c.cards.length === 0)).toBe(true);
    expect(res.body).toMatchObject({ labels: [], members: [] });
  });

  it("hides another tenant's board like a missing one (404) and validates input", async () => {
    const { team, token, boardId } = await setup();
    const outsider = team.outsider.accessToken;
    const foreign = await api.get(`/v1/boards/${boardId}/view`, { token: outsider });
    const missing = await api.get('/v1/boards/00000000-0000-7000-8000-000000000000/view', {
      token: outsider,
    });
    expectProblem(foreign, 404, 'not-found');
    expect(foreign.body.detail).toBe(missing.body.detail);
    expectProblem(await api.get(`/v1/boards/${boardId}/view?cardsPerColumn=0`, { token }), 422);
    expectProblem(await api.get(`/v1/boards/${boardId}/view?cardsPerColumn=201`, { token }), 422);
    expectProblem(await api.get(`/v1/boards/${boardId}/view?limit=5`, { token }), 422);
    expectProblem(await api.get('/v1/boards/nope/view', { token }), 400, 'malformed-request');
    expect((await api.get(`/v1/boards/${boardId}/view`)).status).toBe(401);
  });
});
