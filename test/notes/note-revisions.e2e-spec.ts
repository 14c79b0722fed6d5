import { startApp, type TestApp } from '../support/app.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createNote, listAll } from './notes.factories.js';

describe('note revisions', () => {
  let app: TestApp;
  let api: Client;
  let team: Team;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
    team = await createTeam(api);
  });
  afterAll(() => app.stop());

  const revisionsOf = (noteId: string, token = team.viewer.accessToken) =>
    listAll(api, token, `/v1/notes/${noteId}/revisions`, 1);

  it('keeps the previous title, body and tags on each content change, with its author', async () => {
    const note = await createNote(api, team.member.accessToken, team.workspaceId, {
      title: 'Plan',
      body: 'first draft',
      tags: ['draft'],
    });
    const admin = { token: team.admin.accessToken };
    await api.patch(`/v1/notes/${note.id}`, { body: 'second draft' }, admin); // v2
    await api.patch(`/v1/notes/${note.id}`, { pinned: true }, admin); // v3: no revision
    const v4 = await api.patch(
      `/v1/notes/${note.id}`,
      { title: 'Final plan', tags: ['final'] },
      { token: team.member.accessToken },
    );
    expect(v4.body).toMatchObject({ version: 4, title: 'Final plan', body: 'second draft' });

    const revisions = await revisionsOf(note.id);
    expect(revisions.map((r) => [r.noteVersion, r.title, r.tags, r.authorId])).toEqual([
      [3, 'Plan', ['draft'], team.admin.id],
      [1, 'Plan', ['draft'], team.member.id],
    ]);
    expect(revisions[0]).not.toHaveProperty('body');
    expect(revisions[0]).toMatchObject({
      noteId: note.id,
      authoredAt: expect.stringMatching(/Z$/),
      createdAt: expect.stringMatching(/Z$/),
    });

    const first = await api.get(`/v1/notes/${note.id}/revisions/${revisions[1].id}`, {
      token: team.viewer.accessToken,
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBeNull();
    expect(first.body).toMatchObject({ noteVersion: 1, title: 'Plan', body: 'first draft' });
  });

  it('restores a revision as a new version, keeping the replaced state, and can undo it', async () => {
    const token = team.member.accessToken;
    const note = await createNote(api, token, team.workspaceId, {
      title: 'Original',
      body: 'original body',
      tags: ['a'],
      pinned: true,
    });
    await api.patch(
      `/v1/notes/${note.id}`,
      { title: 'Edited', body: 'edited', tags: [] },
      { token },
    );
    const [v1] = await revisionsOf(note.id);

    const stale = await api.post(`/v1/notes/${note.id}/revisions/${v1.id}/restore`, undefined, {
      token,
      headers: { 'if-match': '"1"' },
    });
    expectProblem(stale, 412, 'precondition-failed');

    const restored = await api.post(`/v1/notes/${note.id}/revisions/${v1.id}/restore`, undefined, {
      token,
      headers: { 'if-match': '"2"' },
    });
    expect(restored.status).toBe(200);
    expect(restored.headers.get('etag')).toBe('"3"');
    expect(restored.body).toMatchObject({
      title: 'Original',
      body: 'original body',
      tags: ['a'],
      pinned: true,
      version: 3,
    });
    const after = await revisionsOf(note.id);
    expect(after.map((r) => [r.noteVersion, r.title])).toEqual([
      [2, 'Edited'],
      [1, 'Original'],
    ]);

    // Undo the restore by restoring the state it replaced.
    const undone = await api.post(
      `/v1/notes/${note.id}/revisions/${after[0].id}/restore`,
      undefined,
      { token },
    );
    expect(undone.body).toMatchObject({ title: 'Edited', body: 'edited', tags: [], version: 4 });
    // The restored text is searchable again under its own words.
    const found = await api.get(`/v1/workspaces/${team.workspaceId}/notes?q=edited`, { token });
    expect(found.body.data.map((n: { id: string }) => n.id)).toContain(note.id);
  });

  it('changes nothing when the revision equals the current state', async () => {
    const token = team.member.accessToken;
    const note = await createNote(api, token, team.workspaceId, { title: 'Same', body: 'x' });
    await api.patch(`/v1/notes/${note.id}`, { body: 'y' }, { token });
    await api.patch(`/v1/notes/${note.id}`, { body: 'x' }, { token });
    const revisions = await revisionsOf(note.id);
    const v1 = revisions.find((r) => r.noteVersion === 1)!;
    const res = await api.post(`/v1/notes/${note.id}/revisions/${v1.id}/restore`, undefined, {
      token,
    });
    expect(res.body.version).toBe(3);
    expect(await revisionsOf(note.id)).toHaveLength(2);
  });

  it('replays a restore with the same Idempotency-Key without a second revision', async () => {
    const token = team.member.accessToken;
    const note = await createNote(api, token, team.workspaceId, { title: 'Idem', body: 'a' });
    await api.patch(`/v1/notes/${note.id}`, { body: 'b' }, { token });
    const [v1] = await revisionsOf(note.id);
    const headers = { 'idempotency-key': `restore-${note.id}` };
    const path = `/v1/notes/${note.id}/revisions/${v1.id}/restore`;
    const first = await api.post(path, undefined, { token, headers });
    const second = await api.post(path, undefined, { token, headers });
    expect(first.body.version).toBe(3);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(await revisionsOf(note.id)).toHaveLength(2);
  });

  it('pages revisions newest first without gaps', async () => {
    const token = team.member.accessToken;
    const note = await createNote(api, token, team.workspaceId, { title: 'r0' });
    for (let i = 1; i <= 5; i += 1) {
      await api.patch(`/v1/notes/${note.id}`, { title: `r${i}` }, { token });
    }
    const revisions = await revisionsOf(note.id);
    expect(revisions.map((r) => r.noteVersion)).toEqual([5, 4, 3, 2, 1]);
    expect(revisions.map((r) => r.title)).toEqual(['r4', 'r3', 'r2', 'r1', 'r0']);
  });

  it('lets viewers read revisions but not restore (403); other workspaces get 404', async () => {
    const note = await createNote(api, team.member.accessToken, team.workspaceId, {
      title: 'Guarded',
    });
    await api.patch(
      `/v1/notes/${note.id}`,
      { title: 'Guarded 2' },
      { token: team.member.accessToken },
    );
    const [rev] = await revisionsOf(note.id);
    const restorePath = `/v1/notes/${note.id}/revisions/${rev.id}/restore`;
    expectProblem(
      await api.post(restorePath, undefined, { token: team.viewer.accessToken }),
      403,
      'forbidden',
    );
    const outsider = { token: team.outsider.accessToken };
    expectProblem(await api.get(`/v1/notes/${note.id}/revisions`, outsider), 404, 'not-found');
    expectProblem(await api.get(`/v1/notes/${note.id}/revisions/${rev.id}`, outsider), 404);
    expectProblem(await api.post(restorePath, undefined, outsider), 404, 'not-found');

    // A revision id of another note is not found under this note.
    const other = await createNote(api, team.member.accessToken, team.workspaceId, { title: 'o' });
    const wrong = await api.get(`/v1/notes/${other.id}/revisions/${rev.id}`, {
      token: team.viewer.accessToken,
    });
    expectProblem(wrong, 404, 'not-found');
    expectProblem(
      await api.get(`/v1/notes/${note.id}/revisions/nope`, { token: team.viewer.accessToken }),
      400,
      'malformed-request',
    );
    expectProblem(
      await api.get(`/v1/notes/${note.id}/revisions?limit=500`, { token: team.viewer.accessToken }),
      422,
    );
  });

  it('deletes the revisions with their note', async () => {
    const token = team.member.accessToken;
    const note = await createNote(api, token, team.workspaceId, { title: 'Doomed' });
    await api.patch(`/v1/notes/${note.id}`, { title: 'Doomed 2' }, { token });
    const [rev] = await revisionsOf(note.id);
    expect((await api.delete(`/v1/notes/${note.id}`, { token })).status).toBe(204);
    expectProblem(await api.get(`/v1/notes/${note.id}/revisions/${rev.id}`, { token }), 404);
    expectProblem(await api.get(`/v1/notes/${note.id}/revisions`, { token }), 404);
  });
});
