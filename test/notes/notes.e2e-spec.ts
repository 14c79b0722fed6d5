import { startApp, type TestApp } from '../support/app.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, expectProblem, postOversized, type Client } from '../support/http.js';
import { createNote, listAll } from './notes.factories.js';

const MIB = 1_048_576;

describe('notes', () => {
  let app: TestApp;
  let api: Client;
  let team: Team;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
    team = await createTeam(api);
  });
  afterAll(() => app.stop());

  const notesPath = () => `/v1/workspaces/${team.workspaceId}/notes`;

  describe('create and read', () => {
    it('creates a note, stores title, body and tags as given (tags normalised), with an ETag', async () => {
      const body = 'Line 1  \r\n<script>alert("x")</script> **bold** ünïcødé 🎉\n\n';
      const res = await api.post(
        notesPath(),
        { title: '  Release plan  ', body, tags: [' Release', 'RELEASE', 'Q3 ', 'Café'] },
        { token: team.member.accessToken },
      );
      expect(res.status).toBe(201);
      expect(res.headers.get('etag')).toBe('"1"');
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        workspaceId: team.workspaceId,
        title: 'Release plan',
        body,
        tags: ['release', 'q3', 'café'],
        pinned: false,
        archived: false,
        version: 1,
        createdBy: team.member.id,
        updatedBy: team.member.id,
        createdAt: expect.stringMatching(/Z$/),
        updatedAt: expect.stringMatching(/Z$/),
      });
      const got = await api.get(`/v1/notes/${res.body.id}`, { token: team.viewer.accessToken });
      expect(got.status).toBe(200);
      expect(got.headers.get('etag')).toBe('"1"');
      expect(got.body).toEqual(res.body);
    });

    it('refuses invalid fields with 422 naming each field', async () => {
      const cases: Array<[unknown, string]> = [
        [{}, 'title'],
        [{ title: '   ' }, 'title'],
        [{ title: 'x'.repeat(501) }, 'title'],
        [{ title: 't', body: 42 }, 'body'],
        [{ title: 't', pinned: 'yes' }, 'pinned'],
        [{ title: 't', tags: 'a' }, 'tags'],
        [{ title: 't', tags: ['ok', 7] }, 'tags'],
        [{ title: 't', tags: ['a,b'] }, 'tags'],
        [{ title: 't', tags: ['  '] }, 'tags'],
        [{ title: 't', tags: ['x'.repeat(65)] }, 'tags'],
        [{ title: 't', archived: true }, 'archived'],
        [{ title: 't', extra: 1 }, 'extra'],
      ];
      for (const [input, field] of cases) {
        const res = await api.post(notesPath(), input, { token: team.member.accessToken });
        expectProblem(res, 422, 'validation-failed');
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    });

    it('accepts 50 distinct tags (duplicates collapse first) and refuses 51 with 422', async () => {
      const fifty = Array.from({ length: 50 }, (_, i) => `tag-${i}`);
      const ok = await api.post(
        notesPath(),
        { title: 'many tags', tags: [...fifty, ...fifty.map((t) => t.toUpperCase())] },
        { token: team.member.accessToken },
      );
      expect(ok.status).toBe(201);
      expect(ok.body.tags).toEqual(fifty);
      const tooMany = await api.post(
        notesPath(),
        { title: 'too many tags', tags: [...fifty, 'one-more'] },
        { token: team.member.accessToken },
      );
      expectProblem(tooMany, 422, 'validation-failed');
      expect(tooMany.body.errors[0].field).toBe('tags');
    });

    it('takes a body of exactly 1 MiB (UTF-8) and refuses one byte more with 422', async () => {
      const exact = 'é'.repeat(MIB / 2);
      const ok = await api.post(
        notesPath(),
        { title: 'big', body: exact },
        { token: team.member.accessToken },
      );
      expect(ok.status).toBe(201);
      const got = await api.get(`/v1/notes/${ok.body.id}`, { token: team.member.accessToken });
      expect(got.body.body).toBe(exact);
      const over = await api.post(
        notesPath(),
        { title: 'too big', body: `${exact}x` },
        { token: team.member.accessToken },
      );
      expectProblem(over, 422, 'validation-failed');
      expect(over.body.errors[0].field).toBe('body');
    });

    it('accepts a valid body whose JSON encoding is far beyond the default 1 MiB request limit', async () => {
      // 300k control characters: 300 KB stored, 1.8 MB on the wire as \u0001 escapes.
      const body = '\u0001'.repeat(300_000);
      const res = await api.post(
        notesPath(),
        { title: 'escapes', body },
        { token: team.member.accessToken },
      );
      expect(res.status).toBe(201);
      expect(res.body.body).toBe(body);
    });

    it('answers 413 for a request beyond the notes limit, and other routes keep the default', async () => {
      const huge = await postOversized(
        app,
        notesPath(),
        { title: 'huge', body: 'x'.repeat(7 * MIB) },
        team.member.accessToken,
      );
      expectProblem(huge, 413, 'payload-too-large');
      const workspace = await postOversized(
        app,
        '/v1/workspaces',
        { name: 'x'.repeat(2 * MIB) },
        team.member.accessToken,
      );
      expectProblem(workspace, 413, 'payload-too-large');
    });

    it('lets viewers read but not write (403), and hides the note from other workspaces (404)', async () => {
      const note = await createNote(api, team.member.accessToken, team.workspaceId, { title: 'n' });
      const viewer = { token: team.viewer.accessToken };
      expectProblem(await api.post(notesPath(), { title: 'v' }, viewer), 403, 'forbidden');
      expectProblem(await api.patch(`/v1/notes/${note.id}`, { title: 'v' }, viewer), 403);
      expectProblem(await api.delete(`/v1/notes/${note.id}`, viewer), 403, 'forbidden');
      expect((await api.get(notesPath(), viewer)).status).toBe(200);

      const outsider = { token: team.outsider.accessToken };
      const missing = await api.get(`/v1/notes/00000000-0000-7000-8000-000000000000`, outsider);
      expectProblem(missing, 404, 'not-found');
      const foreign = await api.get(`/v1/notes/${note.id}`, outsider);
      expectProblem(foreign, 404, 'not-found');
      expect(foreign.body.detail).toBe(missing.body.detail);
      expectProblem(await api.patch(`/v1/notes/${note.id}`, { title: 'x' }, outsider), 404);
      expectProblem(await api.delete(`/v1/notes/${note.id}`, outsider), 404);
      expectProblem(await api.get(notesPath(), outsider), 404);
      expectProblem(await api.post(notesPath(), { title: 'x' }, outsider), 404);
      expectProblem(await api.get('/v1/notes/not-a-uuid', viewer), 400, 'malformed-request');
      expectProblem(await api.get(`/v1/notes/${note.id}`), 401);
    });
  });

  describe('update and delete', () => {
    it('updates with If-Match, refuses a stale ETag with 412 and a no-op keeps the version', async () => {
      const token = team.member.accessToken;
      const note = await createNote(api, token, team.workspaceId, { title: 'v1', tags: ['a'] });
      const updated = await api.patch(
        `/v1/notes/${note.id}`,
        { title: 'v2', tags: ['B', 'a'], pinned: true },
        { token, headers: { 'if-match': '"1"' } },
      );
      expect(updated.status).toBe(200);
      expect(updated.headers.get('etag')).toBe('"2"');
      expect(updated.body).toMatchObject({
        title: 'v2',
        tags: ['b', 'a'],
        pinned: true,
        version: 2,
      });

      const stale = await api.patch(
        `/v1/notes/${note.id}`,
        { title: 'v3' },
        { token, headers: { 'if-match': '"1"' } },
      );
      expectProblem(stale, 412, 'precondition-failed');
      const bad = await api.patch(
        `/v1/notes/${note.id}`,
        { title: 'v3' },
        { token, headers: { 'if-match': 'nope' } },
      );
      expectProblem(bad, 400, 'malformed-request');

      const same = await api.patch(`/v1/notes/${note.id}`, { title: 'v2' }, { token });
      expect(same.status).toBe(200);
      expect(same.body.version).toBe(2);
      const got = await api.get(`/v1/notes/${note.id}`, { token });
      expect(got.body).toMatchObject({ title: 'v2', version: 2, updatedBy: team.member.id });
    });

    it('refuses invalid updates with 422', async () => {
      const token = team.member.accessToken;
      const note = await createNote(api, token, team.workspaceId, { title: 'n' });
      for (const input of [{ title: '' }, { archived: 'no' }, { tags: [1] }, { version: 3 }]) {
        expectProblem(await api.patch(`/v1/notes/${note.id}`, input, { token }), 422);
      }
    });

    it('archives and restores a note; archived notes leave the default list', async () => {
      const token = team.member.accessToken;
      const note = await createNote(api, token, team.workspaceId, { title: 'to archive' });
      const archived = await api.patch(`/v1/notes/${note.id}`, { archived: true }, { token });
      expect(archived.body).toMatchObject({ archived: true, version: 2 });
      const current = await listAll(api, token, notesPath(), 200);
      expect(current.map((n) => n.id)).not.toContain(note.id);
      const onlyArchived = await listAll(api, token, `${notesPath()}?archived=true`, 200);
      expect(onlyArchived.map((n) => n.id)).toContain(note.id);
      expect(onlyArchived.every((n) => n.archived)).toBe(true);
      const restored = await api.patch(`/v1/notes/${note.id}`, { archived: false }, { token });
      expect(restored.body).toMatchObject({ archived: false, version: 3 });
      const again = await listAll(api, token, notesPath(), 200);
      expect(again.map((n) => n.id)).toContain(note.id);
    });

    it('deletes a note (stale If-Match 412 first), then it is gone', async () => {
      const token = team.member.accessToken;
      const note = await createNote(api, token, team.workspaceId, { title: 'bye' });
      const stale = await api.delete(`/v1/notes/${note.id}`, {
        token,
        headers: { 'if-match': '"7"' },
      });
      expectProblem(stale, 412, 'precondition-failed');
      const res = await api.delete(`/v1/notes/${note.id}`, {
        token,
        headers: { 'if-match': '"1"' },
      });
      expect(res.status).toBe(204);
      expectProblem(await api.get(`/v1/notes/${note.id}`, { token }), 404);
      expectProblem(await api.delete(`/v1/notes/${note.id}`, { token }), 404);
    });
  });

  describe('idempotency', () => {
    it('replays a create with the same Idempotency-Key: one note, Idempotent-Replayed: true', async () => {
      const token = team.admin.accessToken;
      const headers = { 'idempotency-key': `note-${Date.now()}` };
      const input = { title: `idempotent ${Date.now()}`, tags: ['idem'] };
      const first = await api.post(notesPath(), input, { token, headers });
      const second = await api.post(notesPath(), input, { token, headers });
      expect(first.status).toBe(201);
      expect(second.status).toBe(201);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.body).toEqual(first.body);
      const listed = await listAll(api, token, `${notesPath()}?tag=idem`, 200);
      expect(listed.filter((n) => n.title === input.title)).toHaveLength(1);

      const different = await api.post(
        notesPath(),
        { ...input, title: 'other' },
        { token, headers },
      );
      expectProblem(different, 422, 'idempotency-key-reused');
    });

    it('replays an update with the same Idempotency-Key without a second change', async () => {
      const token = team.admin.accessToken;
      const note = await createNote(api, token, team.workspaceId, { title: 'once' });
      const headers = { 'idempotency-key': `patch-${note.id}` };
      const first = await api.patch(`/v1/notes/${note.id}`, { body: 'edited' }, { token, headers });
      const second = await api.patch(
        `/v1/notes/${note.id}`,
        { body: 'edited' },
        { token, headers },
      );
      expect(first.body.version).toBe(2);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.body.version).toBe(2);
      const revisions = await api.get(`/v1/notes/${note.id}/revisions`, { token });
      expect(revisions.body.data).toHaveLength(1);
    });
  });

  describe('listing', () => {
    it('lists pinned first, then most recently updated, across pages without gaps or repeats', async () => {
      const { workspaceId, owner } = await createTeam(api);
      const token = owner.accessToken;
      const a = await createNote(api, token, workspaceId, { title: 'a' });
      const b = await createNote(api, token, workspaceId, { title: 'b', pinned: true });
      const c = await createNote(api, token, workspaceId, { title: 'c' });
      const d = await createNote(api, token, workspaceId, { title: 'd', pinned: true });
      const e = await createNote(api, token, workspaceId, { title: 'e' });
      // Touch a: it becomes the most recently updated unpinned note.
      await api.patch(`/v1/notes/${a.id}`, { body: 'touched' }, { token });
      const all = await listAll(api, token, `/v1/workspaces/${workspaceId}/notes`, 2);
      expect(all.map((n) => n.id)).toEqual([d.id, b.id, a.id, e.id, c.id]);
      expect(all[2]).toMatchObject({ title: 'a', excerpt: 'touched' });
      expect(all[0]).not.toHaveProperty('body');
      expect(all[0]).not.toHaveProperty('snippet');
    });

    it('filters by tags (all must match; repeated and comma-separated), pinned and updatedAfter', async () => {
      const { workspaceId, owner } = await createTeam(api);
      const token = owner.accessToken;
      const path = `/v1/workspaces/${workspaceId}/notes`;
      const both = await createNote(api, token, workspaceId, {
        title: 'both',
        tags: ['release', 'q3'],
      });
      const release = await createNote(api, token, workspaceId, {
        title: 'release only',
        tags: ['release'],
        pinned: true,
      });
      await createNote(api, token, workspaceId, { title: 'none' });
      const ids = async (query: string) =>
        (await listAll(api, token, `${path}?${query}`, 200)).map((n) => n.id).sort();

      expect(await ids('tag=RELEASE')).toEqual([both.id, release.id].sort());
      expect(await ids('tag=release&tag=q3')).toEqual([both.id]);
      expect(await ids('tag=release,%20Q3')).toEqual([both.id]);
      expect(await ids('tag=release&tag=missing')).toEqual([]);
      expect(await ids('pinned=true')).toEqual([release.id]);
      expect(await ids('pinned=false&tag=release')).toEqual([both.id]);

      const cut = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 20));
      await api.patch(`/v1/notes/${both.id}`, { pinned: true }, { token });
      expect(await ids(`updatedAfter=${encodeURIComponent(cut)}`)).toEqual([both.id]);
    });

    it('refuses bad filters with 422 and a foreign cursor with 400', async () => {
      const token = team.member.accessToken;
      for (const query of [
        'pinned=yes',
        'archived=1',
        'updatedAfter=yesterday',
        'limit=0',
        'limit=201',
        `tag=${Array.from({ length: 51 }, (_, i) => `t${i}`).join(',')}`,
        `tag=${'x'.repeat(65)}`,
      ]) {
        expectProblem(
          await api.get(`${notesPath()}?${query}`, { token }),
          422,
          'validation-failed',
        );
      }
      expectProblem(
        await api.get(`${notesPath()}?cursor=abc.def`, { token }),
        400,
        'invalid-cursor',
      );
    });
  });
});
