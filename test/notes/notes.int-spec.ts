import type pg from 'pg';
import { startApp, type TestApp } from '../support/app.js';
import { describeOnPostgres, testPool } from '../support/db.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, type Client } from '../support/http.js';
import { createCard, createNote, listAll } from './notes.factories.js';

const RACERS = 8;
const ROUNDS = 4;

describeOnPostgres('notes on PostgreSQL', () => {
  let app: TestApp;
  let api: Client;
  let db: pg.Pool;
  let team: Team;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
    db = testPool();
    team = await createTeam(api);
  });
  afterAll(async () => {
    await db.end();
    await app.stop();
  });

  const revisionVersions = async (noteId: string): Promise<number[]> =>
    (
      await db.query<{ version: number }>(
        'SELECT version FROM note_revisions WHERE note_id = $1 ORDER BY version',
        [noteId],
      )
    ).rows.map((r) => r.version);

  const events = async (noteId: string) =>
    (
      await db.query<{ action: string; changes: Record<string, { from: unknown; to: unknown }> }>(
        'SELECT action, changes FROM audit_events WHERE entity_id = $1 ORDER BY seq',
        [noteId],
      )
    ).rows;

  it('admits one of several simultaneous updates with the same If-Match; the others get 412', async () => {
    const token = team.member.accessToken;
    const note = await createNote(api, token, team.workspaceId, { title: 'race', body: 'v1' });
    for (let round = 1; round <= ROUNDS; round += 1) {
      const results = await Promise.all(
        Array.from({ length: RACERS }, (_, i) =>
          api.patch(
            `/v1/notes/${note.id}`,
            { body: `round ${round} racer ${i}` },
            { token, headers: { 'if-match': `"${round}"` } },
          ),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, ...Array<number>(RACERS - 1).fill(412)]);
      const winner = results.find((r) => r.status === 200)!;
      expect(winner.body.version).toBe(round + 1);
    }
    // One revision per admitted update: versions 1..ROUNDS, no gap, no duplicate.
    expect(await revisionVersions(note.id)).toEqual([1, 2, 3, 4]);
    const updates = (await events(note.id)).filter((e) => e.action === 'note.updated');
    expect(updates).toHaveLength(ROUNDS);
  });

  it('never loses or duplicates a revision under racing writes without If-Match', async () => {
    const token = team.member.accessToken;
    const note = await createNote(api, token, team.workspaceId, { title: 'race 2' });
    const results = await Promise.all(
      Array.from({ length: RACERS }, (_, i) =>
        i % 2 === 0
          ? api.patch(`/v1/notes/${note.id}`, { title: `title ${i}` }, { token })
          : api.patch(`/v1/notes/${note.id}`, { tags: [`t${i}`] }, { token }),
      ),
    );
    for (const r of results) expect([200, 409]).toContain(r.status);
    const admitted = results.filter((r) => r.status === 200).length;
    expect(admitted).toBeGreaterThanOrEqual(1);
    const final = await api.get(`/v1/notes/${note.id}`, { token });
    expect(final.body.version).toBe(1 + admitted);
    expect(await revisionVersions(note.id)).toEqual(
      Array.from({ length: admitted }, (_, i) => i + 1),
    );
  });

  it('pages through notes updated within the same millisecond (cursor keeps microseconds)', async () => {
    const { workspaceId, owner } = await createTeam(api);
    const token = owner.accessToken;
    const notes = [];
    for (let i = 0; i < 4; i += 1)
      notes.push(await createNote(api, token, workspaceId, { title: `n${i}` }));
    // Same millisecond, different microseconds: a millisecond cursor would skip or repeat rows.
    const stamps = ['.123901', '.123700', '.123400', '.123100'];
    for (const [i, note] of notes.entries()) {
      await db.query(`UPDATE notes SET updated_at = $2::timestamptz WHERE id = $1`, [
        note.id,
        `2030-01-01T00:00:00${stamps[i]}Z`,
      ]);
    }
    const listed = await listAll(api, token, `/v1/workspaces/${workspaceId}/notes`, 1);
    expect(listed.map((n) => n.id)).toEqual(notes.map((n) => n.id));
  });

  it('writes one audit event per mutation, the body as length and hash only', async () => {
    const token = team.member.accessToken;
    const big = 'lorem ipsum '.repeat(80_000);
    const note = await createNote(api, token, team.workspaceId, { title: 'audited', body: big });
    await api.patch(`/v1/notes/${note.id}`, { body: `${big}!` }, { token });
    await api.patch(`/v1/notes/${note.id}`, { archived: true }, { token });
    await api.patch(`/v1/notes/${note.id}`, { archived: false, pinned: true }, { token });
    const [rev] = (
      await db.query<{ id: string }>('SELECT id FROM note_revisions WHERE note_id = $1', [note.id])
    ).rows;
    await api.post(`/v1/notes/${note.id}/revisions/${rev.id}/restore`, undefined, { token });
    await api.delete(`/v1/notes/${note.id}`, { token });

    const log = await events(note.id);
    expect(log.map((e) => e.action)).toEqual([
      'note.created',
      'note.updated',
      'note.archived',
      'note.restored',
      'note.revision_restored',
      'note.deleted',
    ]);
    expect(log[1].changes).toEqual({
      body: {
        from: {
          length: big.length,
          bytes: big.length,
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        },
        to: { length: big.length + 1, bytes: big.length + 1, sha256: expect.any(String) },
      },
    });
    expect(log[3].changes).toEqual({
      archived: { from: true, to: false },
      pinned: { from: false, to: true },
    });
    expect(log[4].changes.restoredRevision.to).toEqual({ id: rev.id, noteVersion: 1 });
    for (const e of log) expect(JSON.stringify(e.changes).length).toBeLessThan(2000);
    // The revisions went with the note.
    expect(await revisionVersions(note.id)).toEqual([]);
  });

  it("indexes with the workspace's language at write time and re-indexes on the next edit", async () => {
    const { workspaceId, owner } = await createTeam(api);
    const token = owner.accessToken;
    const path = `/v1/workspaces/${workspaceId}/notes`;
    const simple = await createNote(api, token, workspaceId, { title: 'Deployments running' });
    // No route changes the setting yet; the future settings route will write this column.
    await db.query(`UPDATE workspaces SET search_language = 'english' WHERE id = $1`, [
      workspaceId,
    ]);
    const english = await createNote(api, token, workspaceId, { title: 'Deployments ran' });
    const configs = await db.query<{ id: string; search_config: string }>(
      'SELECT id, search_config FROM notes WHERE workspace_id = $1',
      [workspaceId],
    );
    expect(Object.fromEntries(configs.rows.map((r) => [r.id, r.search_config]))).toEqual({
      [simple.id]: 'simple',
      [english.id]: 'english',
    });
    const found = async (q: string) =>
      (await api.get(`${path}?q=${encodeURIComponent(q)}`, { token })).body.data.map(
        (n: { id: string }) => n.id,
      );
    // English stems "deployment" and "deploy" alike; the note indexed as simple kept "deployments".
    expect(await found('deploy')).toEqual([english.id]);
    expect(await found('the')).toEqual([]);
    await api.patch(`/v1/notes/${simple.id}`, { title: 'Deployments running now' }, { token });
    expect((await found('deploy')).sort()).toEqual([english.id, simple.id].sort());
  });

  it('re-indexes notes when their search_config changes (what a language change must run)', async () => {
    const { workspaceId, owner } = await createTeam(api);
    const token = owner.accessToken;
    const created = [];
    for (let i = 0; i < 3; i += 1) {
      created.push(await createNote(api, token, workspaceId, { title: `Deployments ${i}` }));
    }
    await db.query(`UPDATE workspaces SET search_language = 'english' WHERE id = $1`, [
      workspaceId,
    ]);
    const search = async () =>
      (await api.get(`/v1/workspaces/${workspaceId}/notes?q=deploy`, { token })).body.data;
    expect(await search()).toEqual([]);
    // No route changes the language yet; when one does, it re-indexes in batches like this
    // (the trigger recomputes the vector when search_config changes).
    const batch = () =>
      db.query(
        `UPDATE notes SET search_config = 'english' WHERE id IN (SELECT id FROM notes
          WHERE workspace_id = $1 AND search_config <> 'english' LIMIT 2)`,
        [workspaceId],
      );
    expect((await batch()).rowCount).toBe(2);
    expect((await batch()).rowCount).toBe(1);
    expect((await batch()).rowCount).toBe(0);
    expect(await search()).toHaveLength(3);
  });

  it('records one link event for simultaneous identical links, and one unlink event', async () => {
    const token = team.member.accessToken;
    const note = await createNote(api, token, team.workspaceId, { title: 'linked' });
    const card = await createCard(api, token, team.workspaceId);
    const results = await Promise.all(
      Array.from({ length: RACERS }, () =>
        api.put(`/v1/notes/${note.id}/cards/${card.id}`, undefined, { token }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array<number>(RACERS).fill(200));
    const rows = await db.query('SELECT id FROM note_card_links WHERE note_id = $1', [note.id]);
    expect(rows.rowCount).toBe(1);
    await api.delete(`/v1/notes/${note.id}/cards/${card.id}`, { token });
    const log = await events(note.id);
    expect(log.map((e) => [e.action, e.changes])).toEqual([
      ['note.created', expect.any(Object)],
      ['note.card_linked', { cardId: { from: null, to: card.id } }],
      ['note.card_unlinked', { cardId: { from: card.id, to: null } }],
    ]);
  });
});
