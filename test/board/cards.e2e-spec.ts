import { startApp, type TestApp } from '../support/app.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createBoard, createCard, createLabel, ifMatch, listAll, titles } from './fixtures.js';

describe('cards', () => {
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
    const board = await createBoard(api, token, team.workspaceId);
    return { team, token, ...board };
  }

  const columnTitles = async (token: string, boardId: string, columnId: string) =>
    titles(await listAll(api, token, boardId, `columnId=${columnId}`));

  describe('create', () => {
    it('creates a card at the bottom of the first column, description stored exactly', async () => {
      const { team, token, boardId, columns } = await setup();
      const description = '  # Title\n\n<script>alert(1)</script>\n\tünïcødé 🎉\n';
      const label = await createLabel(api, token, boardId);
      const res = await api.post(
        `/v1/boards/${boardId}/cards`,
        {
          title: '  Ship it  ',
          description,
          labelIds: [label.toUpperCase()],
          assigneeIds: [team.viewer.id, team.member.id],
          dueAt: '2030-01-31T17:00:00+02:00',
          checklist: [{ text: 'one' }, { text: 'two', done: true }],
        },
        { token },
      );
      expect(res.status).toBe(201);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.body).toMatchObject({
        title: 'Ship it',
        description,
        boardId,
        columnId: columns[0],
        labelIds: [label],
        assigneeIds: [team.viewer.id, team.member.id].sort(),
        dueAt: '2030-01-31T15:00:00.000Z',
        checklist: [
          { text: 'one', done: false },
          { text: 'two', done: true },
        ],
        archived: false,
        doneFirstAt: null,
        doneLastAt: null,
        createdBy: team.member.id,
        version: 1,
      });
      expect(res.body.columnEnteredAt).toMatch(/Z$/);
      const got = await api.get(`/v1/cards/${res.body.id}`, { token: team.viewer.accessToken });
      expect(got.body).toEqual(res.body);
      expect(got.headers.get('etag')).toBe('"1"');
      const second = await createCard(api, token, boardId, { title: 'second' });
      expect(second.position > res.body.position).toBe(true);
    });

    it('places new cards at the top, bottom, after or before a card', async () => {
      const { token, boardId, columns } = await setup();
      const a = await createCard(api, token, boardId, { title: 'a' });
      await createCard(api, token, boardId, { title: 'c' });
      await createCard(api, token, boardId, { title: 'top', placement: 'top' });
      await createCard(api, token, boardId, { title: 'b', afterCardId: a.id });
      await createCard(api, token, boardId, { title: 'a-', beforeCardId: a.id });
      await createCard(api, token, boardId, { title: 'z', placement: 'bottom' });
      expect(await columnTitles(token, boardId, columns[0])).toEqual([
        'top',
        'a-',
        'a',
        'b',
        'c',
        'z',
      ]);
    });

    it('stamps done times when created in the done column', async () => {
      const { token, boardId, columns } = await setup();
      const card = await api.post(
        `/v1/boards/${boardId}/cards`,
        { title: 'done', columnId: columns[2] },
        { token },
      );
      expect(card.body.doneFirstAt).toBe(card.body.columnEnteredAt);
      expect(card.body.doneLastAt).toBe(card.body.columnEnteredAt);
    });

    it('rejects bad input with 422 per field', async () => {
      const { token, boardId } = await setup();
      const res = await api.post(
        `/v1/boards/${boardId}/cards`,
        {
          title: '',
          labelIds: ['nope'],
          dueAt: '2030-02-30',
          checklist: [{ done: true }],
          placement: 'middle',
          color: 'red',
        },
        { token },
      );
      expectProblem(res, 422, 'validation-failed');
      const fields = new Set(res.body.errors.map((e: { field: string }) => e.field));
      for (const f of ['title', 'labelIds', 'dueAt', 'checklist.0.text', 'placement', 'color']) {
        expect(fields).toContain(f);
      }
      const long = await api.post(
        `/v1/boards/${boardId}/cards`,
        { title: 'x'.repeat(501) },
        { token },
      );
      expectProblem(long, 422, 'validation-failed');
      expect(
        (await api.post(`/v1/boards/${boardId}/cards`, { title: 'x'.repeat(500) }, { token }))
          .status,
      ).toBe(201);
      const noZone = await api.post(
        `/v1/boards/${boardId}/cards`,
        { title: 't', dueAt: '2030-01-01T10:00' },
        { token },
      );
      expectProblem(noZone, 422);
      expect(noZone.body.errors[0].field).toBe('dueAt');
    });

    it('limits the description to 100 KB of UTF-8, not characters', async () => {
      const { token, boardId } = await setup();
      // 40,000 three-byte characters: well under 100k characters, over 100 KB.
      const tooBig = await api.post(
        `/v1/boards/${boardId}/cards`,
        { title: 't', description: '€'.repeat(40_000) },
        { token },
      );
      expectProblem(tooBig, 422, 'validation-failed');
      expect(tooBig.body.errors[0].field).toBe('description');
      const exact = 'é'.repeat(51_200); // exactly 102,400 bytes
      const ok = await api.post(
        `/v1/boards/${boardId}/cards`,
        { title: 't', description: exact },
        { token },
      );
      expect(ok.status).toBe(201);
      expect(ok.body.description).toBe(exact);
    });

    it('refuses assignees who are not members, and labels of another board (422)', async () => {
      const { team, token, boardId } = await setup();
      const other = await createBoard(api, token, team.workspaceId, 'Other');
      const foreignLabel = await createLabel(api, token, other.boardId);
      const notMember = await api.post(
        `/v1/boards/${boardId}/cards`,
        { title: 't', assigneeIds: [team.member.id, team.outsider.id] },
        { token },
      );
      expectProblem(notMember, 422, 'validation-failed');
      expect(notMember.body.errors).toEqual([
        { field: 'assigneeIds', message: expect.stringContaining(team.outsider.id) },
      ]);
      const wrongBoard = await api.post(
        `/v1/boards/${boardId}/cards`,
        { title: 't', labelIds: [foreignLabel] },
        { token },
      );
      expectProblem(wrongBoard, 422, 'validation-failed');
      expect(wrongBoard.body.errors[0].field).toBe('labelIds');
      expect(await listAll(api, token, boardId)).toEqual([]);
    });

    it('refuses a column or neighbour that is not in the target column (422)', async () => {
      const { team, token, boardId, columns } = await setup();
      const other = await createBoard(api, token, team.workspaceId, 'Other');
      const inOther = await createCard(api, token, other.boardId);
      const inDoing = await createCard(api, token, boardId, { columnId: columns[1] });
      for (const body of [
        { columnId: other.columns[0] },
        { columnId: columns[0], afterCardId: inDoing.id },
        { columnId: columns[0], beforeCardId: inOther.id },
        { afterCardId: '00000000-0000-7000-8000-000000000000' },
        { placement: 'top', afterCardId: inDoing.id, columnId: columns[1] },
      ]) {
        const res = await api.post(
          `/v1/boards/${boardId}/cards`,
          { title: 't', ...body },
          { token },
        );
        expectProblem(res, 422, 'invalid-placement');
      }
    });

    it('refuses a create into a full column with the WIP-limit problem (409)', async () => {
      const { token, boardId, columns } = await setup();
      await api.patch(`/v1/columns/${columns[1]}`, { wipLimit: 1 }, { token });
      await createCard(api, token, boardId, { columnId: columns[1] });
      const res = await api.post(
        `/v1/boards/${boardId}/cards`,
        { title: 'over', columnId: columns[1] },
        { token },
      );
      expectProblem(res, 409, 'wip-limit-reached');
      expect(res.body).toMatchObject({ columnId: columns[1], wipLimit: 1 });
    });

    it('replays a duplicate idempotent create: one card, Idempotent-Replayed', async () => {
      const { token, boardId } = await setup();
      const headers = { 'idempotency-key': 'card-42' };
      const first = await api.post(
        `/v1/boards/${boardId}/cards`,
        { title: 'once' },
        { token, headers },
      );
      const again = await api.post(
        `/v1/boards/${boardId}/cards`,
        { title: 'once' },
        { token, headers },
      );
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(again.body).toEqual(first.body);
      expect(titles(await listAll(api, token, boardId))).toEqual(['once']);
    });

    it('lets viewers read only and hides cards from other workspaces', async () => {
      const { team, token, boardId } = await setup();
      const card = await createCard(api, token, boardId);
      const viewer = team.viewer.accessToken;
      const outsider = team.outsider.accessToken;
      expectProblem(
        await api.post(`/v1/boards/${boardId}/cards`, { title: 'x' }, { token: viewer }),
        403,
        'forbidden',
      );
      expectProblem(
        await api.patch(`/v1/cards/${card.id}`, { title: 'x' }, { token: viewer }),
        403,
      );
      expectProblem(
        await api.post(`/v1/cards/${card.id}/move`, { columnId: card.columnId }, { token: viewer }),
        403,
      );
      expectProblem(await api.post(`/v1/cards/${card.id}/archive`, {}, { token: viewer }), 403);
      expectProblem(await api.delete(`/v1/cards/${card.id}`, { token: viewer }), 403);
      const missing = await api.get('/v1/cards/00000000-0000-7000-8000-000000000000', {
        token: outsider,
      });
      const foreign = await api.get(`/v1/cards/${card.id}`, { token: outsider });
      expectProblem(foreign, 404, 'not-found');
      expect(foreign.body.detail).toBe(missing.body.detail);
      expectProblem(await api.get(`/v1/boards/${boardId}/cards`, { token: outsider }), 404);
      expectProblem(
        await api.post(`/v1/boards/${boardId}/cards`, { title: 'x' }, { token: outsider }),
        404,
      );
      expectProblem(
        await api.patch(`/v1/cards/${card.id}`, { title: 'x' }, { token: outsider }),
        404,
      );
      expectProblem(
        await api.post(
          `/v1/cards/${card.id}/move`,
          { columnId: card.columnId },
          { token: outsider },
        ),
        404,
      );
      expectProblem(await api.post(`/v1/cards/${card.id}/restore`, {}, { token: outsider }), 404);
      expectProblem(await api.delete(`/v1/cards/${card.id}`, { token: outsider }), 404);
      expectProblem(await api.get('/v1/cards/123', { token }), 400, 'malformed-request');
    });
  });

  describe('update', () => {
    it('edits fields, replaces labels and assignees, clears the due date; ETag moves on', async () => {
      const { team, token, boardId } = await setup();
      const bug = await createLabel(api, token, boardId, 'bug');
      const ux = await createLabel(api, token, boardId, 'ux');
      const card = await createCard(api, token, boardId, {
        labelIds: [bug],
        assigneeIds: [team.member.id],
        dueAt: '2030-01-01',
      });
      const res = await api.patch(
        `/v1/cards/${card.id}`,
        {
          title: 'New',
          labelIds: [ux],
          assigneeIds: [team.admin.id],
          dueAt: null,
          checklist: [{ text: 'a', done: true }],
        },
        { token, headers: ifMatch(1) },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('etag')).toBe('"2"');
      expect(res.body).toMatchObject({
        title: 'New',
        labelIds: [ux],
        assigneeIds: [team.admin.id],
        dueAt: null,
        checklist: [{ text: 'a', done: true }],
        version: 2,
      });
      const same = await api.patch(
        `/v1/cards/${card.id}`,
        { title: 'New', labelIds: [ux] },
        { token },
      );
      expect(same.body.version).toBe(2);
    });

    it('answers a stale If-Match with 412 and an invalid one with 400', async () => {
      const { token, boardId } = await setup();
      const card = await createCard(api, token, boardId);
      await api.patch(`/v1/cards/${card.id}`, { title: 'v2' }, { token });
      expectProblem(
        await api.patch(`/v1/cards/${card.id}`, { title: 'v3' }, { token, headers: ifMatch(1) }),
        412,
        'precondition-failed',
      );
      expectProblem(await api.delete(`/v1/cards/${card.id}`, { token, headers: ifMatch(1) }), 412);
      expectProblem(
        await api.post(`/v1/cards/${card.id}/archive`, {}, { token, headers: ifMatch(1) }),
        412,
      );
      expectProblem(
        await api.patch(
          `/v1/cards/${card.id}`,
          { title: 'v3' },
          { token, headers: { 'if-match': 'soon' } },
        ),
        400,
      );
      expect((await api.get(`/v1/cards/${card.id}`, { token })).body.title).toBe('v2');
    });

    it('refuses bad edits: null title, non-members, foreign labels', async () => {
      const { team, token, boardId } = await setup();
      const other = await createBoard(api, token, team.workspaceId, 'Other');
      const foreign = await createLabel(api, token, other.boardId);
      const card = await createCard(api, token, boardId);
      expectProblem(await api.patch(`/v1/cards/${card.id}`, { title: null }, { token }), 422);
      expectProblem(await api.patch(`/v1/cards/${card.id}`, { description: null }, { token }), 422);
      expectProblem(
        await api.patch(`/v1/cards/${card.id}`, { columnId: other.columns[0] }, { token }),
        422,
      );
      expectProblem(
        await api.patch(`/v1/cards/${card.id}`, { assigneeIds: [team.outsider.id] }, { token }),
        422,
      );
      expectProblem(
        await api.patch(`/v1/cards/${card.id}`, { labelIds: [foreign] }, { token }),
        422,
      );
      expect((await api.get(`/v1/cards/${card.id}`, { token })).body.version).toBe(1);
    });
  });

  describe('move', () => {
    it('moves after, before, to the bottom and the top, writing only the moved card', async () => {
      const { token, boardId, columns } = await setup();
      const [a, b, c] = [
        await createCard(api, token, boardId, { title: 'a' }),
        await createCard(api, token, boardId, { title: 'b' }),
        await createCard(api, token, boardId, { title: 'c' }),
      ];
      const d = await createCard(api, token, boardId, { title: 'd', columnId: columns[1] });
      const after = await api.post(
        `/v1/cards/${d.id}/move`,
        { columnId: columns[0], afterCardId: a.id },
        { token, headers: ifMatch(1) },
      );
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ columnId: columns[0], version: 2 });
      expect(await columnTitles(token, boardId, columns[0])).toEqual(['a', 'd', 'b', 'c']);
      await api.post(
        `/v1/cards/${a.id}/move`,
        { columnId: columns[0], beforeCardId: c.id },
        { token },
      );
      expect(await columnTitles(token, boardId, columns[0])).toEqual(['d', 'b', 'a', 'c']);
      await api.post(`/v1/cards/${d.id}/move`, { columnId: columns[0] }, { token });
      expect(await columnTitles(token, boardId, columns[0])).toEqual(['b', 'a', 'c', 'd']);
      await api.post(
        `/v1/cards/${c.id}/move`,
        { columnId: columns[0], placement: 'top' },
        { token },
      );
      expect(await columnTitles(token, boardId, columns[0])).toEqual(['c', 'b', 'a', 'd']);
      await api.post(
        `/v1/cards/${a.id}/move`,
        { columnId: columns[0], afterCardId: c.id, beforeCardId: b.id },
        { token },
      );
      expect(await columnTitles(token, boardId, columns[0])).toEqual(['c', 'a', 'b', 'd']);
      // The other cards kept their versions: a move writes one row.
      expect((await api.get(`/v1/cards/${b.id}`, { token })).body.version).toBe(1);
      // Already in place: nothing written.
      const noop = await api.post(
        `/v1/cards/${a.id}/move`,
        { columnId: columns[0], afterCardId: c.id },
        { token },
      );
      expect(noop.body.version).toBe((await api.get(`/v1/cards/${a.id}`, { token })).body.version);
    });

    it('refuses neighbours from another column or board, and bad bodies (422)', async () => {
      const { team, token, boardId, columns } = await setup();
      const other = await createBoard(api, token, team.workspaceId, 'Other');
      const card = await createCard(api, token, boardId);
      const sibling = await createCard(api, token, boardId);
      const inDoing = await createCard(api, token, boardId, { columnId: columns[1] });
      const elsewhere = await createCard(api, token, other.boardId);
      const cases = [
        { columnId: columns[0], afterCardId: inDoing.id },
        { columnId: columns[1], beforeCardId: sibling.id },
        { columnId: columns[0], afterCardId: elsewhere.id },
        { columnId: other.columns[0] },
        { columnId: columns[0], afterCardId: card.id },
        { columnId: columns[0], afterCardId: sibling.id, placement: 'top' },
      ];
      for (const body of cases) {
        expectProblem(
          await api.post(`/v1/cards/${card.id}/move`, body, { token }),
          422,
          'invalid-placement',
        );
      }
      const c2 = await createCard(api, token, boardId);
      expectProblem(
        await api.post(
          `/v1/cards/${card.id}/move`,
          { columnId: columns[0], afterCardId: c2.id, beforeCardId: sibling.id },
          { token },
        ),
        422,
        'invalid-placement',
      );
      expectProblem(
        await api.post(`/v1/cards/${card.id}/move`, {}, { token }),
        422,
        'validation-failed',
      );
      expect((await api.get(`/v1/cards/${card.id}`, { token })).body.version).toBe(1);
    });

    it('refuses a move into a full column (409 wip-limit-reached); moving inside it is fine', async () => {
      const { token, boardId, columns } = await setup();
      await api.patch(`/v1/columns/${columns[1]}`, { wipLimit: 2 }, { token });
      const x = await createCard(api, token, boardId, { columnId: columns[1], title: 'x' });
      await createCard(api, token, boardId, { columnId: columns[1], title: 'y' });
      const card = await createCard(api, token, boardId);
      const res = await api.post(`/v1/cards/${card.id}/move`, { columnId: columns[1] }, { token });
      expectProblem(res, 409, 'wip-limit-reached');
      expect((await api.get(`/v1/cards/${card.id}`, { token })).body.columnId).toBe(columns[0]);
      const inside = await api.post(`/v1/cards/${x.id}/move`, { columnId: columns[1] }, { token });
      expect(inside.status).toBe(200);
      expect(await columnTitles(token, boardId, columns[1])).toEqual(['y', 'x']);
      // An archived card frees its slot.
      await api.post(`/v1/cards/${x.id}/archive`, {}, { token });
      expect(
        (await api.post(`/v1/cards/${card.id}/move`, { columnId: columns[1] }, { token })).status,
      ).toBe(200);
      expectProblem(
        await api.post(`/v1/cards/${x.id}/restore`, {}, { token }),
        409,
        'wip-limit-reached',
      );
    });

    it('tracks time in column and the first/last entry into the done column', async () => {
      const { token, boardId, columns } = await setup();
      const card = await createCard(api, token, boardId);
      const created = (await api.get(`/v1/cards/${card.id}`, { token })).body;
      const doing = (
        await api.post(`/v1/cards/${card.id}/move`, { columnId: columns[1] }, { token })
      ).body;
      expect(doing.columnEnteredAt > created.columnEnteredAt).toBe(true);
      expect(doing.doneFirstAt).toBeNull();
      const done1 = (
        await api.post(`/v1/cards/${card.id}/move`, { columnId: columns[2] }, { token })
      ).body;
      expect(done1.doneFirstAt).toBe(done1.columnEnteredAt);
      expect(done1.doneLastAt).toBe(done1.columnEnteredAt);
      const inDone = (
        await api.post(
          `/v1/cards/${card.id}/move`,
          { columnId: columns[2], placement: 'top' },
          { token },
        )
      ).body;
      expect(inDone.columnEnteredAt).toBe(done1.columnEnteredAt);
      await api.post(`/v1/cards/${card.id}/move`, { columnId: columns[1] }, { token });
      const done2 = (
        await api.post(`/v1/cards/${card.id}/move`, { columnId: columns[2] }, { token })
      ).body;
      expect(done2.doneFirstAt).toBe(done1.doneFirstAt);
      expect(done2.doneLastAt > done1.doneLastAt).toBe(true);
    });

    it('refuses to move an archived card (409)', async () => {
      const { token, boardId, columns } = await setup();
      const card = await createCard(api, token, boardId);
      await api.post(`/v1/cards/${card.id}/archive`, {}, { token });
      expectProblem(
        await api.post(`/v1/cards/${card.id}/move`, { columnId: columns[1] }, { token }),
        409,
        'card-archived',
      );
    });

    it('replays an idempotent move', async () => {
      const { token, boardId, columns } = await setup();
      const card = await createCard(api, token, boardId);
      const headers = { 'idempotency-key': 'move-1' };
      const a = await api.post(
        `/v1/cards/${card.id}/move`,
        { columnId: columns[1] },
        { token, headers },
      );
      const b = await api.post(
        `/v1/cards/${card.id}/move`,
        { columnId: columns[1] },
        { token, headers },
      );
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      expect(b.body).toEqual(a.body);
      expect((await api.get(`/v1/cards/${card.id}`, { token })).body.version).toBe(2);
    });
  });

  describe('archive, restore, delete', () => {
    it('archives out of the default list and restores in place', async () => {
      const { token, boardId } = await setup();
      await createCard(api, token, boardId, { title: 'a' });
      const b = await createCard(api, token, boardId, { title: 'b' });
      await createCard(api, token, boardId, { title: 'c' });
      const archived = await api.post(
        `/v1/cards/${b.id}/archive`,
        {},
        { token, headers: ifMatch(1) },
      );
      expect(archived.body).toMatchObject({ archived: true, version: 2 });
      expect(titles(await listAll(api, token, boardId))).toEqual(['a', 'c']);
      expect(titles(await listAll(api, token, boardId, 'archived=true'))).toEqual(['b']);
      const restored = await api.post(`/v1/cards/${b.id}/restore`, {}, { token });
      expect(restored.body).toMatchObject({ archived: false, archivedAt: null, version: 3 });
      expect(titles(await listAll(api, token, boardId))).toEqual(['a', 'b', 'c']);
    });

    it('deletes a card for good', async () => {
      const { team, token, boardId } = await setup();
      const card = await createCard(api, token, boardId);
      await api.post(`/v1/cards/${card.id}/comments`, { body: 'hi' }, { token });
      const res = await api.delete(`/v1/cards/${card.id}`, { token, headers: ifMatch(1) });
      expect(res.status).toBe(204);
      expectProblem(await api.get(`/v1/cards/${card.id}`, { token: team.owner.accessToken }), 404);
      expectProblem(await api.delete(`/v1/cards/${card.id}`, { token }), 404);
    });
  });

  describe('list', () => {
    it('orders by column then position and filters by column, label, assignee, due, text', async () => {
      const { team, token, boardId, columns } = await setup();
      const bug = await createLabel(api, token, boardId, 'bug');
      await createCard(api, token, boardId, {
        title: 'Fix 100% of bugs',
        labelIds: [bug],
        dueAt: '2030-01-10',
      });
      await createCard(api, token, boardId, {
        title: 'write docs',
        description: 'About the PERCENT sign',
        assigneeIds: [team.admin.id],
      });
      await createCard(api, token, boardId, {
        title: 'done thing',
        columnId: columns[2],
        dueAt: '2030-01-20',
        labelIds: [bug],
      });
      await createCard(api, token, boardId, {
        title: 'doing thing',
        columnId: columns[1],
        assigneeIds: [team.admin.id, team.member.id],
      });
      await createCard(api, token, boardId, { title: 'top thing', placement: 'top' });

      expect(titles(await listAll(api, token, boardId, '', 2))).toEqual([
        'top thing',
        'Fix 100% of bugs',
        'write docs',
        'doing thing',
        'done thing',
      ]);
      expect(titles(await listAll(api, token, boardId, `columnId=${columns[1]}`))).toEqual([
        'doing thing',
      ]);
      expect(titles(await listAll(api, token, boardId, `labelId=${bug}`))).toEqual([
        'Fix 100% of bugs',
        'done thing',
      ]);
      expect(titles(await listAll(api, token, boardId, `assigneeId=${team.admin.id}`))).toEqual([
        'write docs',
        'doing thing',
      ]);
      expect(titles(await listAll(api, token, boardId, 'dueBefore=2030-01-15'))).toEqual([
        'Fix 100% of bugs',
      ]);
      expect(titles(await listAll(api, token, boardId, 'dueAfter=2030-01-10T00:00:00Z'))).toEqual([
        'Fix 100% of bugs',
        'done thing',
      ]);
      expect(
        titles(await listAll(api, token, boardId, 'dueAfter=2030-01-11&dueBefore=2030-02-01')),
      ).toEqual(['done thing']);
      expect(titles(await listAll(api, token, boardId, 'q=percent'))).toEqual(['write docs']);
      expect(titles(await listAll(api, token, boardId, `q=${encodeURIComponent('100%')}`))).toEqual(
        ['Fix 100% of bugs'],
      );
      expect(titles(await listAll(api, token, boardId, `q=${encodeURIComponent('%')}`))).toEqual([
        'Fix 100% of bugs',
      ]);
      expect(titles(await listAll(api, token, boardId, 'q=THING', 1))).toEqual([
        'top thing',
        'doing thing',
        'done thing',
      ]);

      const page = await api.get(`/v1/boards/${boardId}/cards?limit=1`, { token });
      expect(page.body.data[0]).toMatchObject({
        title: 'top thing',
        hasDescription: false,
        checklistTotal: 0,
        checklistDone: 0,
      });
      expect(page.body.data[0]).not.toHaveProperty('description');
      // List items and single cards show the same instants, formatted the same way.
      const full = (await api.get(`/v1/cards/${page.body.data[0].id}`, { token })).body;
      for (const field of ['createdAt', 'updatedAt', 'columnEnteredAt', 'dueAt', 'doneLastAt']) {
        expect(page.body.data[0][field]).toBe(full[field]);
      }
      const doneItem = (await listAll(api, token, boardId, `columnId=${columns[2]}`))[0] as Record<
        string,
        unknown
      >;
      const doneFull = (await api.get(`/v1/cards/${doneItem.id}`, { token })).body;
      for (const field of ['dueAt', 'doneFirstAt', 'doneLastAt', 'columnEnteredAt']) {
        expect(doneItem[field]).toBe(doneFull[field]);
      }
      expect(page.headers.get('etag')).toBeNull();
    });

    it('keeps pages correct while cards are inserted and moved between them', async () => {
      const { token, boardId, columns } = await setup();
      for (const t of ['a', 'b', 'c', 'd']) await createCard(api, token, boardId, { title: t });
      const e = await createCard(api, token, boardId, { title: 'e', columnId: columns[1] });
      await createCard(api, token, boardId, { title: 'f', columnId: columns[1] });
      const first = await api.get(`/v1/boards/${boardId}/cards?limit=2`, { token });
      expect(titles(first.body.data)).toEqual(['a', 'b']);
      // Between pages: a card inserted before the cursor, one after it, and a card moved
      // from after the cursor to before it.
      const a = first.body.data[0];
      await createCard(api, token, boardId, { title: 'a2', afterCardId: a.id });
      await createCard(api, token, boardId, { title: 'c2', placement: 'bottom' });
      await api.post(
        `/v1/cards/${e.id}/move`,
        { columnId: columns[0], placement: 'top' },
        { token },
      );
      const rest = [];
      let cursor = first.body.nextCursor as string | null;
      while (cursor) {
        const res = await api.get(`/v1/boards/${boardId}/cards?limit=2&cursor=${cursor}`, {
          token,
        });
        rest.push(...res.body.data);
        cursor = res.body.nextCursor;
      }
      // Nothing already seen comes again; everything after the cursor comes once, in order.
      expect(titles(rest)).toEqual(['c', 'd', 'c2', 'f']);
    });

    it('validates filters and cursors', async () => {
      const { token, boardId } = await setup();
      expectProblem(await api.get(`/v1/boards/${boardId}/cards?columnId=nope`, { token }), 422);
      expectProblem(
        await api.get(`/v1/boards/${boardId}/cards?dueBefore=yesterday`, { token }),
        422,
      );
      expectProblem(await api.get(`/v1/boards/${boardId}/cards?archived=1`, { token }), 422);
      expectProblem(await api.get(`/v1/boards/${boardId}/cards?limit=500`, { token }), 422);
      expectProblem(await api.get(`/v1/boards/${boardId}/cards?unknown=1`, { token }), 422);
      expectProblem(
        await api.get(`/v1/boards/${boardId}/cards?cursor=abc.def`, { token }),
        400,
        'invalid-cursor',
      );
      const other = await api.get(
        `/v1/workspaces/${(await api.get(`/v1/boards/${boardId}`, { token })).body.workspaceId}/boards?limit=1`,
        { token },
      );
      expect(other.status).toBe(200);
    });
  });
});
