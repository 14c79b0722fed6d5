import type pg from 'pg';
import { startApp, type TestApp } from '../support/app.js';
import { describeOnPostgres, testPool } from '../support/db.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createBoard, createCard, ifMatch, listAll, titles } from './fixtures.js';

describeOnPostgres('board on the real PostgreSQL: races, audit, storage', () => {
  let app: TestApp;
  let api: Client;
  let db: pg.Pool;

  beforeAll(async () => {
    app = await startApp({ DB_POOL_SIZE: '16' });
    api = client(app);
    db = testPool();
  });
  afterAll(async () => {
    await db.end();
    await app.stop();
  });

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

  const auditEvents = async (workspaceId: string, action?: string) =>
    (
      await db.query(
        `SELECT action, entity_id, changes FROM audit_events
          WHERE workspace_id = $1 AND ($2::text IS NULL OR action = $2) ORDER BY seq`,
        [workspaceId, action ?? null],
      )
    ).rows as Array<{
      action: string;
      entity_id: string;
      changes: Record<string, { from: unknown; to: unknown }>;
    }>;

  const activeInColumn = async (columnId: string) =>
    Number(
      (
        await db.query('SELECT count(*) FROM cards WHERE column_id = $1 AND archived_at IS NULL', [
          columnId,
        ])
      ).rows[0].count,
    );

  describe('WIP limits under concurrency', () => {
    it('admits exactly one of two simultaneous moves into the last free slot', async () => {
      for (let round = 0; round < 5; round++) {
        const { token, boardId, columns } = await setup();
        await api.patch(`/v1/columns/${columns[1]}`, { wipLimit: 2 }, { token });
        await createCard(api, token, boardId, { columnId: columns[1] });
        const a = await createCard(api, token, boardId);
        const b = await createCard(api, token, boardId);
        const results = await Promise.all(
          [a, b].map((c) =>
            api.post(`/v1/cards/${c.id}/move`, { columnId: columns[1] }, { token }),
          ),
        );
        expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
        expectProblem(
          results.find((r) => r.status === 409)!,
          409,
          'wip-limit-reached',
        );
        expect(await activeInColumn(columns[1])).toBe(2);
      }
    });

    it('admits exactly the free slots among many simultaneous creates and moves', async () => {
      const { token, boardId, columns } = await setup();
      await api.patch(`/v1/columns/${columns[1]}`, { wipLimit: 3 }, { token });
      await createCard(api, token, boardId, { columnId: columns[1] });
      const movers = await Promise.all(
        Array.from({ length: 6 }, () => createCard(api, token, boardId)),
      );
      const results = await Promise.all([
        ...movers.map((c) =>
          api.post(`/v1/cards/${c.id}/move`, { columnId: columns[1], placement: 'top' }, { token }),
        ),
        ...Array.from({ length: 6 }, (_, i) =>
          api.post(
            `/v1/boards/${boardId}/cards`,
            { title: `new ${i}`, columnId: columns[1] },
            { token },
          ),
        ),
      ]);
      const ok = results.filter((r) => r.status === 200 || r.status === 201);
      const refused = results.filter((r) => r.status === 409);
      expect(ok).toHaveLength(2);
      expect(refused).toHaveLength(10);
      refused.forEach((r) => expectProblem(r, 409, 'wip-limit-reached'));
      expect(await activeInColumn(columns[1])).toBe(3);
    });
  });

  describe('no lost update', () => {
    it('concurrent PATCHes of one card: versions strictly increase, losers get 409', async () => {
      const { team, token, boardId } = await setup();
      const card = await createCard(api, token, boardId);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          api.patch(`/v1/cards/${card.id}`, { title: `title ${i}` }, { token }),
        ),
      );
      const ok = results.filter((r) => r.status === 200);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      results
        .filter((r) => r.status !== 200)
        .forEach((r) => expectProblem(r, 409, 'concurrent-modification'));
      const versions = ok.map((r) => r.body.version as number).sort((x, y) => x - y);
      expect(new Set(versions).size).toBe(versions.length);
      expect(versions).toEqual(Array.from({ length: ok.length }, (_, i) => i + 2));
      const final = (await api.get(`/v1/cards/${card.id}`, { token })).body;
      expect(final.version).toBe(1 + ok.length);
      expect(final.title).toBe(ok.find((r) => r.body.version === final.version)!.body.title);
      // Every accepted change is in the log; the refused ones are not.
      expect(await auditEvents(team.workspaceId, 'card.updated')).toHaveLength(ok.length);
    });

    it('concurrent PATCHes with the same If-Match: exactly one wins, the rest 412', async () => {
      const { token, boardId } = await setup();
      const card = await createCard(api, token, boardId);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          api.patch(
            `/v1/cards/${card.id}`,
            { description: `d${i}` },
            { token, headers: ifMatch(1) },
          ),
        ),
      );
      expect(results.filter((r) => r.status === 200)).toHaveLength(1);
      results
        .filter((r) => r.status !== 200)
        .forEach((r) => expectProblem(r, 412, 'precondition-failed'));
      expect((await api.get(`/v1/cards/${card.id}`, { token })).body.version).toBe(2);
    });

    it('a move and an edit of one card at once never lose either silently', async () => {
      const { token, boardId, columns } = await setup();
      for (let i = 0; i < 5; i++) {
        const card = await createCard(api, token, boardId);
        const [moved, edited] = await Promise.all([
          api.post(`/v1/cards/${card.id}/move`, { columnId: columns[1] }, { token }),
          api.patch(`/v1/cards/${card.id}`, { title: 'edited' }, { token }),
        ]);
        const final = (await api.get(`/v1/cards/${card.id}`, { token })).body;
        expect(final.columnId).toBe(moved.status === 200 ? columns[1] : columns[0]);
        expect(final.title).toBe(edited.status === 200 ? 'edited' : 'Card');
        expect(final.version).toBe(1 + [moved, edited].filter((r) => r.status === 200).length);
        [moved, edited].filter((r) => r.status !== 200).forEach((r) => expectProblem(r, 409));
      }
    });
  });

  describe('ordering in the database', () => {
    it('stores keys with the "C" collation and sorts them bytewise', async () => {
      const { rows } = await db.query(
        `SELECT table_name, collation_name FROM information_schema.columns
          WHERE column_name = 'position' AND table_name IN ('cards', 'board_columns') ORDER BY 1`,
      );
      expect(rows).toEqual([
        { table_name: 'board_columns', collation_name: 'C' },
        { table_name: 'cards', collation_name: 'C' },
      ]);
      const { token, boardId, columns } = await setup();
      await createCard(api, token, boardId, { title: 'a0' });
      await createCard(api, token, boardId, { title: 'top', placement: 'top' }); // key "Zz"
      const stored = await db.query(
        'SELECT title, position FROM cards WHERE column_id = $1 ORDER BY position',
        [columns[0]],
      );
      expect(stored.rows).toEqual([
        { title: 'top', position: 'Zz' },
        { title: 'a0', position: 'a0' },
      ]);
    });

    it('simultaneous moves to one spot keep unique keys and a strict order', async () => {
      const { token, boardId, columns } = await setup();
      const anchor = await createCard(api, token, boardId, { title: 'anchor' });
      await createCard(api, token, boardId, { title: 'next' });
      const movers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          createCard(api, token, boardId, { title: `m${i}`, columnId: columns[1] }),
        ),
      );
      const results = await Promise.all(
        movers.map((c) =>
          api.post(
            `/v1/cards/${c.id}/move`,
            { columnId: columns[0], afterCardId: anchor.id },
            { token },
          ),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
      const keys = (
        await db.query('SELECT position FROM cards WHERE column_id = $1 ORDER BY position, id', [
          columns[0],
        ])
      ).rows.map((r) => r.position as string);
      expect(new Set(keys).size).toBe(keys.length);
      const listed = titles(await listAll(api, token, boardId, `columnId=${columns[0]}`));
      expect(listed[0]).toBe('anchor');
      expect(listed[listed.length - 1]).toBe('next');
      expect(listed).toHaveLength(12);
    });

    it('rebalances a column in the same transaction when keys would grow too long', async () => {
      const { team, token, boardId, columns } = await setup();
      const first = await createCard(api, token, boardId, { title: 'first' });
      const cards = [first];
      for (let i = 0; i < 4; i++)
        cards.push(await createCard(api, token, boardId, { title: `c${i}` }));
      // Always right after the first card, the last card each time: the worst case for key growth.
      const expected = ['first', 'c0', 'c1', 'c2', 'c3'];
      for (let i = 0; i < 320; i++) {
        const last = expected[expected.length - 1];
        const id =
          cards.find((c) => (c as { title?: string }).title === last)?.id ??
          (await idOf(boardId, last));
        const res = await api.post(
          `/v1/cards/${id}/move`,
          { columnId: columns[0], afterCardId: first.id },
          { token },
        );
        expect(res.status).toBe(200);
        expected.splice(expected.indexOf(last), 1);
        expected.splice(1, 0, last);
      }
      expect(titles(await listAll(api, token, boardId))).toEqual(expected);
      const { rows } = await db.query(
        'SELECT max(length(position)) AS len FROM cards WHERE column_id = $1',
        [columns[0]],
      );
      expect(rows[0].len).toBeLessThanOrEqual(50);
      expect((await auditEvents(team.workspaceId, 'column.rebalanced')).length).toBeGreaterThan(0);
    });

    it('re-spaces the board’s columns when keys would grow too long, each one moved on the record', async () => {
      const { team, token, boardId, columns } = await setup();
      const positions = async () =>
        new Map(
          (
            await db.query('SELECT id, position, version FROM board_columns WHERE board_id = $1', [
              boardId,
            ])
          ).rows.map((r: { id: string; position: string; version: number }) => [r.id, r]),
        );
      // Always the last column right after the first: the worst case for key growth.
      const expected = [...columns];
      let before = await positions();
      let rebalanced: Awaited<ReturnType<typeof auditEvents>> = [];
      for (let i = 0; i < 400 && rebalanced.length === 0; i++) {
        before = await positions();
        const last = expected[expected.length - 1];
        const res = await api.post(
          `/v1/columns/${last}/move`,
          { afterColumnId: expected[0] },
          { token },
        );
        expect(res.status).toBe(200);
        expected.splice(expected.length - 1, 1);
        expected.splice(1, 0, last);
        const moved = await auditEvents(team.workspaceId, 'column.moved');
        rebalanced = moved.slice(i + 1);
      }
      // A re-spacing happened (the other columns' events are recorded before the moved one's).
      expect(rebalanced.length).toBeGreaterThan(0);
      const listed = await api.get(`/v1/boards/${boardId}/columns`, { token });
      expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual(expected);
      const after = await positions();
      const { rows } = await db.query(
        'SELECT max(length(position)) AS len FROM board_columns WHERE board_id = $1',
        [boardId],
      );
      expect(rows[0].len).toBeLessThanOrEqual(50);
      // Every column whose key changed, the moved one aside, has its own event and a new version.
      const moved = expected[1];
      const respaced = [...after.keys()].filter(
        (id) => id !== moved && after.get(id)!.position !== before.get(id)!.position,
      );
      expect(respaced.length).toBeGreaterThan(0);
      const events = await auditEvents(team.workspaceId, 'column.moved');
      for (const id of respaced) {
        const event = events.filter((e) => e.entity_id === id).at(-1)!;
        expect(event.changes.position).toEqual({
          from: before.get(id)!.position,
          to: after.get(id)!.position,
        });
        expect(after.get(id)!.version).toBe(before.get(id)!.version + 1);
      }
    });

    async function idOf(boardId: string, title: string): Promise<string> {
      return (
        await db.query('SELECT id FROM cards WHERE board_id = $1 AND title = $2', [boardId, title])
      ).rows[0].id;
    }
  });

  describe('the audit log', () => {
    it('records each mutation once, with the changed fields only', async () => {
      const { team, token, boardId, columns } = await setup();
      const card = await createCard(api, token, boardId, { title: 'before', description: 'same' });
      await api.patch(`/v1/cards/${card.id}`, { title: 'after', description: 'same' }, { token });
      await api.post(`/v1/cards/${card.id}/move`, { columnId: columns[1] }, { token });
      await api.post(`/v1/cards/${card.id}/comments`, { body: 'note' }, { token });
      await api.delete(`/v1/cards/${card.id}`, { token });
      const events = (await auditEvents(team.workspaceId)).filter((e) => e.entity_id === card.id);
      expect(events.map((e) => e.action)).toEqual([
        'card.created',
        'card.updated',
        'card.moved',
        'card.deleted',
      ]);
      expect(events[1].changes).toEqual({ title: { from: 'before', to: 'after' } });
      // Both columns were empty but for it: same key "a0" in the new column, so only the column changed.
      expect(Object.keys(events[2].changes)).toEqual(['columnId']);
      expect(events[2].changes.columnId).toEqual({ from: columns[0], to: columns[1] });
      // The deleted card lives on in its event.
      expect(events[3].changes.title).toEqual({ from: 'after', to: null });
      expect((await auditEvents(team.workspaceId, 'comment.created')).length).toBe(1);
      const left = await db.query(
        'SELECT count(*)::int AS n FROM card_comments WHERE card_id = $1',
        [card.id],
      );
      expect(left.rows[0].n).toBe(0);
    });

    it('writes no event and changes no row for a refused or failed mutation', async () => {
      const { team, token, boardId, columns } = await setup();
      await api.patch(`/v1/columns/${columns[1]}`, { wipLimit: 1 }, { token });
      await createCard(api, token, boardId, { columnId: columns[1] });
      const card = await createCard(api, token, boardId);
      const countEvents = async () => (await auditEvents(team.workspaceId)).length;
      const snapshot = async () =>
        (
          await db.query(
            'SELECT id, version, column_id, position, title FROM cards WHERE board_id = $1 ORDER BY id',
            [boardId],
          )
        ).rows;
      const eventsBefore = await countEvents();
      const rowsBefore = await snapshot();
      const refused = [
        await api.post(`/v1/cards/${card.id}/move`, { columnId: columns[1] }, { token }),
        await api.post(
          `/v1/boards/${boardId}/cards`,
          { title: 'x', columnId: columns[1] },
          { token },
        ),
        await api.post(
          `/v1/boards/${boardId}/cards`,
          { title: 'x', assigneeIds: [team.outsider.id] },
          { token },
        ),
        await api.patch(`/v1/cards/${card.id}`, { title: 'x' }, { token, headers: ifMatch(9) }),
        await api.patch(`/v1/cards/${card.id}`, { title: 'x' }, { token: team.viewer.accessToken }),
        await api.delete(`/v1/cards/${card.id}`, { token: team.outsider.accessToken }),
        await api.delete(`/v1/columns/${columns[1]}`, { token }),
      ];
      expect(refused.map((r) => r.status)).toEqual([409, 409, 422, 412, 403, 404, 409]);
      expect(await countEvents()).toBe(eventsBefore);
      expect(await snapshot()).toEqual(rowsBefore);
    });
  });

  describe('integrity', () => {
    it('unassigns a member removed from the workspace', async () => {
      const { team, token, boardId } = await setup();
      const card = await createCard(api, token, boardId, {
        assigneeIds: [team.viewer.id, team.member.id],
      });
      const res = await api.delete(`/v1/workspaces/${team.workspaceId}/members/${team.viewer.id}`, {
        token: team.owner.accessToken,
      });
      expect(res.status).toBe(204);
      expect((await api.get(`/v1/cards/${card.id}`, { token })).body.assigneeIds).toEqual([
        team.member.id,
      ]);
    });

    it('refuses, in the database itself, a label of another board on a card', async () => {
      const { team, token, boardId } = await setup();
      const other = await createBoard(api, token, team.workspaceId, 'Other');
      const label = (
        await api.post(
          `/v1/boards/${other.boardId}/labels`,
          { name: 'x', color: '#000000' },
          { token },
        )
      ).body.id;
      const card = await createCard(api, token, boardId);
      await expect(
        db.query(
          'INSERT INTO card_labels (workspace_id, board_id, card_id, label_id) VALUES ($1, $2, $3, $4)',
          [team.workspaceId, boardId, card.id, label],
        ),
      ).rejects.toThrow(/fk_card_labels_label/);
    });
  });
});
