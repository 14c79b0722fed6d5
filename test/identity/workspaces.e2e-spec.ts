import { randomUUID } from 'node:crypto';
import { onRealPostgres, startApp, type TestApp } from '../support/app.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { addMember, createTeam, createWorkspace, registerUser } from '../support/factories.js';

describe('workspaces and members', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
  });
  afterAll(() => app.stop());

  it('creates a workspace whose creator is owner, with an ETag', async () => {
    const user = await registerUser(api);
    const res = await api.post(
      '/v1/workspaces',
      { name: '  Platform  ' },
      { token: user.accessToken },
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Platform',
      role: 'owner',
      version: 1,
      searchLanguage: 'simple',
    });
    expect(res.headers.get('etag')).toBe('"1"');
    const got = await api.get(`/v1/workspaces/${res.body.id}`, { token: user.accessToken });
    expect(got.body).toEqual(res.body);
    expect(got.headers.get('etag')).toBe('"1"');
  });

  it('lists only my workspaces, paged by cursor', async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    await createWorkspace(api, other.accessToken, 'Not mine');
    const names = ['A', 'B', 'C'];
    for (const n of names) await createWorkspace(api, user.accessToken, n);
    const page1 = await api.get('/v1/workspaces?limit=2', { token: user.accessToken });
    expect(page1.body.data.map((w: { name: string }) => w.name)).toEqual(['A', 'B']);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await api.get(
      `/v1/workspaces?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor)}`,
      { token: user.accessToken },
    );
    expect(page2.body).toEqual({
      data: [expect.objectContaining({ name: 'C', role: 'owner' })],
      nextCursor: null,
    });
    expectProblem(
      await api.get('/v1/workspaces?limit=500', { token: user.accessToken }),
      422,
      'validation-failed',
    );
    expectProblem(
      await api.get('/v1/workspaces?limit=abc', { token: user.accessToken }),
      422,
      'validation-failed',
    );
  });

  it('refuses a null or blank name with 422 (never a 500)', async () => {
    const user = await registerUser(api);
    const ws = await createWorkspace(api, user.accessToken);
    for (const name of [null, '   ', 42]) {
      const res = await api.patch(`/v1/workspaces/${ws.id}`, { name }, { token: user.accessToken });
      expectProblem(res, 422, 'validation-failed');
      expect(res.body.errors[0].field).toBe('name');
    }
  });

  it('renames with If-Match; a stale ETag gets 412 and changes nothing', async () => {
    const team = await createTeam(api);
    const t = { token: team.owner.accessToken };
    const ok = await api.patch(
      `/v1/workspaces/${team.workspaceId}`,
      { name: 'Renamed' },
      { ...t, headers: { 'if-match': '"1"' } },
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ name: 'Renamed', version: 2 });
    expect(ok.headers.get('etag')).toBe('"2"');
    const stale = await api.patch(
      `/v1/workspaces/${team.workspaceId}`,
      { name: 'Lost' },
      { ...t, headers: { 'if-match': '"1"' } },
    );
    expectProblem(stale, 412, 'precondition-failed');
    expect((await api.get(`/v1/workspaces/${team.workspaceId}`, t)).body.name).toBe('Renamed');
    expectProblem(
      await api.patch(
        `/v1/workspaces/${team.workspaceId}`,
        { name: 'x' },
        { ...t, headers: { 'if-match': 'nonsense' } },
      ),
      400,
      'malformed-request',
    );
  });

  it('never loses one of many concurrent renames without If-Match', async () => {
    const user = await registerUser(api);
    const ws = await createWorkspace(api, user.accessToken);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api.patch(`/v1/workspaces/${ws.id}`, { name: `name-${i}` }, { token: user.accessToken }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    for (const r of results.filter((x) => x.status !== 200))
      expectProblem(r, 409, 'concurrent-modification');
    // Every success produced its own version; none was silently overwritten.
    const versions = ok.map((r) => r.body.version).sort((a, b) => a - b);
    expect(new Set(versions).size).toBe(ok.length);
    const final = await api.get(`/v1/workspaces/${ws.id}`, { token: user.accessToken });
    expect(final.body.version).toBe(1 + ok.length);
    expect(ok.map((r) => r.body.name)).toContain(final.body.name);
  });

  it('enforces roles: viewers and members cannot rename, admins can, only owners delete', async () => {
    const team = await createTeam(api);
    const path = `/v1/workspaces/${team.workspaceId}`;
    expectProblem(
      await api.patch(path, { name: 'v' }, { token: team.viewer.accessToken }),
      403,
      'forbidden',
    );
    expectProblem(
      await api.patch(path, { name: 'm' }, { token: team.member.accessToken }),
      403,
      'forbidden',
    );
    expect((await api.patch(path, { name: 'a' }, { token: team.admin.accessToken })).status).toBe(
      200,
    );
    expectProblem(await api.delete(path, { token: team.admin.accessToken }), 403, 'forbidden');
    expect((await api.delete(path, { token: team.owner.accessToken })).status).toBe(204);
    expectProblem(await api.get(path, { token: team.owner.accessToken }), 404, 'not-found');
    const list = await api.get('/v1/workspaces', { token: team.owner.accessToken });
    expect(list.body.data.map((w: { id: string }) => w.id)).not.toContain(team.workspaceId);
  });

  it("answers 404 for another tenant's workspace exactly like a missing one", async () => {
    const team = await createTeam(api);
    const t = { token: team.outsider.accessToken };
    const foreign = await api.get(`/v1/workspaces/${team.workspaceId}`, t);
    const missing = await api.get(`/v1/workspaces/${randomUUID()}`, t);
    expectProblem(foreign, 404, 'not-found');
    expectProblem(missing, 404, 'not-found');
    expect(foreign.body.detail).toBe(missing.body.detail);
    expectProblem(
      await api.patch(`/v1/workspaces/${team.workspaceId}`, { name: 'x' }, t),
      404,
      'not-found',
    );
    expectProblem(await api.get(`/v1/workspaces/${team.workspaceId}/members`, t), 404, 'not-found');
    expectProblem(
      await api.post(
        `/v1/workspaces/${team.workspaceId}/members`,
        { email: team.outsider.email, role: 'owner' },
        t,
      ),
      404,
      'not-found',
    );
    expectProblem(
      await api.delete(`/v1/workspaces/${team.workspaceId}/members/${team.owner.id}`, t),
      404,
      'not-found',
    );
  });

  it('adds members by email, lists them, changes roles, removes them', async () => {
    const team = await createTeam(api);
    const path = `/v1/workspaces/${team.workspaceId}/members`;
    const list = await api.get(path, { token: team.viewer.accessToken });
    expect(list.status).toBe(200);
    expect(list.body.data.map((m: { role: string }) => m.role).sort()).toEqual([
      'admin',
      'member',
      'owner',
      'viewer',
    ]);
    const changed = await api.patch(
      `${path}/${team.viewer.id}`,
      { role: 'member' },
      { token: team.admin.accessToken },
    );
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ userId: team.viewer.id, role: 'member', version: 2 });
    expect(
      (await api.delete(`${path}/${team.viewer.id}`, { token: team.admin.accessToken })).status,
    ).toBe(204);
    expectProblem(
      await api.get(`/v1/workspaces/${team.workspaceId}`, { token: team.viewer.accessToken }),
      404,
      'not-found',
    );
  });

  it('rejects bad member input: unknown email 422, bad role 422, duplicate 409', async () => {
    const team = await createTeam(api);
    const path = `/v1/workspaces/${team.workspaceId}/members`;
    const t = { token: team.owner.accessToken };
    expectProblem(
      await api.post(path, { email: 'nobody-here@example.com', role: 'member' }, t),
      422,
      'user-not-found',
    );
    expectProblem(
      await api.post(path, { email: team.outsider.email, role: 'superuser' }, t),
      422,
      'validation-failed',
    );
    expectProblem(
      await api.post(path, { email: team.member.email, role: 'member' }, t),
      409,
      'already-member',
    );
  });

  it('keeps members and admins from granting what they lack', async () => {
    const team = await createTeam(api);
    const path = `/v1/workspaces/${team.workspaceId}/members`;
    expectProblem(
      await api.post(
        path,
        { email: team.outsider.email, role: 'viewer' },
        { token: team.member.accessToken },
      ),
      403,
      'forbidden',
    );
    expectProblem(
      await api.post(
        path,
        { email: team.outsider.email, role: 'owner' },
        { token: team.admin.accessToken },
      ),
      403,
      'forbidden',
    );
    expectProblem(
      await api.patch(
        `${path}/${team.owner.id}`,
        { role: 'viewer' },
        { token: team.admin.accessToken },
      ),
      403,
      'forbidden',
    );
    expectProblem(
      await api.patch(
        `${path}/${team.viewer.id}`,
        { role: 'admin' },
        { token: team.viewer.accessToken },
      ),
      403,
      'forbidden',
    );
  });

  it('removes a member only at the version the caller read (If-Match 412)', async () => {
    const team = await createTeam(api);
    const path = `/v1/workspaces/${team.workspaceId}/members/${team.member.id}`;
    const t = { token: team.owner.accessToken };
    expect((await api.patch(path, { role: 'viewer' }, t)).status).toBe(200);
    // The member is now at version 2: a delete based on version 1 must not remove them unseen.
    expectProblem(
      await api.delete(path, { ...t, headers: { 'if-match': '"1"' } }),
      412,
      'precondition-failed',
    );
    expect((await api.get(path, t)).body.role).toBe('viewer');
    expect((await api.delete(path, { ...t, headers: { 'if-match': '"2"' } })).status).toBe(204);
    expectProblem(await api.get(path, t), 404, 'not-found');
  });

  (onRealPostgres() ? it : it.skip)(
    'never deletes a member whose role changed concurrently without saying so',
    async () => {
      const team = await createTeam(api);
      const path = `/v1/workspaces/${team.workspaceId}/members/${team.member.id}`;
      const [patched, removed] = await Promise.all([
        api.patch(path, { role: 'admin' }, { token: team.owner.accessToken }),
        api.delete(path, { token: team.admin.accessToken }),
      ]);
      // Either order is fine; a delete that lost the race answers 409 and leaves the new role.
      if (removed.status === 204) {
        expect([200, 404, 409]).toContain(patched.status);
        expectProblem(await api.get(path, { token: team.owner.accessToken }), 404, 'not-found');
      } else {
        expectProblem(removed, 409);
        expect(patched.status).toBe(200);
        expect((await api.get(path, { token: team.owner.accessToken })).body.role).toBe('admin');
      }
    },
  );

  it('never removes or demotes the last owner (409), but allows it once another owner exists', async () => {
    const team = await createTeam(api);
    const path = `/v1/workspaces/${team.workspaceId}/members`;
    const t = { token: team.owner.accessToken };
    expectProblem(
      await api.patch(`${path}/${team.owner.id}`, { role: 'admin' }, t),
      409,
      'last-owner',
    );
    expectProblem(await api.delete(`${path}/${team.owner.id}`, t), 409, 'last-owner');
    expect((await api.patch(`${path}/${team.admin.id}`, { role: 'owner' }, t)).status).toBe(200);
    expect((await api.delete(`${path}/${team.owner.id}`, t)).status).toBe(204);
  });

  (onRealPostgres() ? it : it.skip)(
    'keeps an owner when two owners demote each other at the same time',
    async () => {
      const owner = await registerUser(api);
      const second = await registerUser(api);
      const ws = await createWorkspace(api, owner.accessToken);
      await addMember(api, owner.accessToken, ws.id, second.email, 'owner');
      const path = `/v1/workspaces/${ws.id}/members`;
      const [a, b] = await Promise.all([
        api.patch(`${path}/${second.id}`, { role: 'admin' }, { token: owner.accessToken }),
        api.patch(`${path}/${owner.id}`, { role: 'admin' }, { token: second.accessToken }),
      ]);
      // One wins. The other is refused: 409 (last owner) when both read each other as owners,
      // or 403 when the winner had already committed before the loser's caller was resolved
      // (its caller is no longer an owner, and only an owner may change an owner's role).
      const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
      expect(winner.status).toBe(200);
      if (loser.status === 403) expectProblem(loser, 403, 'forbidden');
      else expectProblem(loser, 409, 'last-owner');
      const members = await api.get(path, { token: owner.accessToken });
      expect(members.body.data.filter((m: { role: string }) => m.role === 'owner')).toHaveLength(1);
    },
  );
});
