import { startApp, type TestApp } from '../support/app.js';
import { createTeam } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createBoard, createCard, createLabel, ifMatch } from './fixtures.js';

describe('labels and comments', () => {
  let app: TestApp;
  let api: Client;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
  });
  afterAll(() => app.stop());

  describe('labels', () => {
    it('creates, lists by name, renames, recolours and deletes labels', async () => {
      const team = await createTeam(api);
      const token = team.member.accessToken;
      const { boardId } = await createBoard(api, token, team.workspaceId);
      const res = await api.post(
        `/v1/boards/${boardId}/labels`,
        { name: ' ux ', color: '#0E8A16' },
        { token },
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: 'ux', color: '#0e8a16', boardId, version: 1 });
      const bug = await createLabel(api, token, boardId, 'bug');
      const list = await api.get(`/v1/boards/${boardId}/labels?limit=1`, {
        token: team.viewer.accessToken,
      });
      expect(list.body.data.map((l: { name: string }) => l.name)).toEqual(['bug']);
      const next = await api.get(`/v1/boards/${boardId}/labels?cursor=${list.body.nextCursor}`, {
        token,
      });
      expect(next.body.data.map((l: { name: string }) => l.name)).toEqual(['ux']);
      const renamed = await api.patch(
        `/v1/labels/${bug}`,
        { name: 'defect', color: '#FF0000' },
        { token, headers: ifMatch(1) },
      );
      expect(renamed.body).toMatchObject({ name: 'defect', color: '#ff0000', version: 2 });
      expect(renamed.headers.get('etag')).toBe('"2"');
      expectProblem(
        await api.patch(`/v1/labels/${bug}`, { name: 'x' }, { token, headers: ifMatch(1) }),
        412,
      );
      expect((await api.get(`/v1/labels/${bug}`, { token })).body.name).toBe('defect');
    });

    it('refuses duplicate names (409) and bad colours (422)', async () => {
      const team = await createTeam(api);
      const token = team.member.accessToken;
      const { boardId } = await createBoard(api, token, team.workspaceId);
      const other = await createBoard(api, token, team.workspaceId, 'Other');
      const bug = await createLabel(api, token, boardId, 'bug');
      const ux = await createLabel(api, token, boardId, 'ux');
      expectProblem(
        await api.post(
          `/v1/boards/${boardId}/labels`,
          { name: 'bug', color: '#000000' },
          { token },
        ),
        409,
        'label-name-taken',
      );
      expectProblem(
        await api.patch(`/v1/labels/${ux}`, { name: 'bug' }, { token }),
        409,
        'label-name-taken',
      );
      expect(
        (
          await api.post(
            `/v1/boards/${other.boardId}/labels`,
            { name: 'bug', color: '#000000' },
            { token },
          )
        ).status,
      ).toBe(201);
      const bad = await api.post(
        `/v1/boards/${boardId}/labels`,
        { name: '', color: 'red' },
        { token },
      );
      expectProblem(bad, 422, 'validation-failed');
      expect(new Set(bad.body.errors.map((e: { field: string }) => e.field))).toEqual(
        new Set(['name', 'color']),
      );
      expectProblem(await api.patch(`/v1/labels/${bug}`, { color: null }, { token }), 422);
    });

    it('takes a deleted label off its cards', async () => {
      const team = await createTeam(api);
      const token = team.member.accessToken;
      const { boardId } = await createBoard(api, token, team.workspaceId);
      const bug = await createLabel(api, token, boardId, 'bug');
      const card = await createCard(api, token, boardId, { labelIds: [bug] });
      expect((await api.delete(`/v1/labels/${bug}`, { token, headers: ifMatch(1) })).status).toBe(
        204,
      );
      expect((await api.get(`/v1/cards/${card.id}`, { token })).body.labelIds).toEqual([]);
      expectProblem(await api.get(`/v1/labels/${bug}`, { token }), 404);
    });

    it('applies roles and tenancy; replays an idempotent create', async () => {
      const team = await createTeam(api);
      const { boardId } = await createBoard(api, team.member.accessToken, team.workspaceId);
      const bug = await createLabel(api, team.member.accessToken, boardId, 'bug');
      const viewer = team.viewer.accessToken;
      const outsider = team.outsider.accessToken;
      expectProblem(
        await api.post(
          `/v1/boards/${boardId}/labels`,
          { name: 'x', color: '#000000' },
          { token: viewer },
        ),
        403,
      );
      expectProblem(await api.patch(`/v1/labels/${bug}`, { name: 'x' }, { token: viewer }), 403);
      expectProblem(await api.delete(`/v1/labels/${bug}`, { token: viewer }), 403);
      expectProblem(await api.get(`/v1/boards/${boardId}/labels`, { token: outsider }), 404);
      expectProblem(await api.get(`/v1/labels/${bug}`, { token: outsider }), 404);
      expectProblem(await api.patch(`/v1/labels/${bug}`, { name: 'x' }, { token: outsider }), 404);
      expectProblem(await api.delete(`/v1/labels/${bug}`, { token: outsider }), 404);
      const headers = { 'idempotency-key': 'label-1' };
      const token = team.member.accessToken;
      const a = await api.post(
        `/v1/boards/${boardId}/labels`,
        { name: 'ux', color: '#000000' },
        { token, headers },
      );
      const b = await api.post(
        `/v1/boards/${boardId}/labels`,
        { name: 'ux', color: '#000000' },
        { token, headers },
      );
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      expect(b.body.id).toBe(a.body.id);
    });
  });

  describe('comments', () => {
    it('comments on a card, lists oldest first, edits by the author', async () => {
      const team = await createTeam(api);
      const token = team.member.accessToken;
      const { boardId } = await createBoard(api, token, team.workspaceId);
      const card = await createCard(api, token, boardId);
      const body = '  **Looks good**\n<em>raw</em>  ';
      const first = await api.post(`/v1/cards/${card.id}/comments`, { body }, { token });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        body,
        cardId: card.id,
        boardId,
        authorId: team.member.id,
        edited: false,
        version: 1,
      });
      await api.post(
        `/v1/cards/${card.id}/comments`,
        { body: 'second' },
        { token: team.admin.accessToken },
      );
      const page = await api.get(`/v1/cards/${card.id}/comments?limit=1`, {
        token: team.viewer.accessToken,
      });
      expect(page.body.data.map((c: { body: string }) => c.body)).toEqual([body]);
      const rest = await api.get(`/v1/cards/${card.id}/comments?cursor=${page.body.nextCursor}`, {
        token,
      });
      expect(rest.body.data.map((c: { body: string }) => c.body)).toEqual(['second']);
      expect(rest.body.nextCursor).toBeNull();

      const edited = await api.patch(
        `/v1/comments/${first.body.id}`,
        { body: 'edited' },
        { token, headers: ifMatch(1) },
      );
      expect(edited.body).toMatchObject({ body: 'edited', edited: true, version: 2 });
      expectProblem(
        await api.patch(
          `/v1/comments/${first.body.id}`,
          { body: 'x' },
          { token, headers: ifMatch(1) },
        ),
        412,
      );
      expectProblem(
        await api.patch(
          `/v1/comments/${first.body.id}`,
          { body: 'hijack' },
          { token: team.admin.accessToken },
        ),
        403,
      );
      expect((await api.get(`/v1/comments/${first.body.id}`, { token })).body.body).toBe('edited');
    });

    it('lets the author or an admin delete, not another member', async () => {
      const team = await createTeam(api);
      const { boardId } = await createBoard(api, team.member.accessToken, team.workspaceId);
      const card = await createCard(api, team.member.accessToken, boardId);
      const byAdmin = await api.post(
        `/v1/cards/${card.id}/comments`,
        { body: 'admin says' },
        { token: team.admin.accessToken },
      );
      const byMember = await api.post(
        `/v1/cards/${card.id}/comments`,
        { body: 'member says' },
        { token: team.member.accessToken },
      );
      expectProblem(
        await api.delete(`/v1/comments/${byAdmin.body.id}`, { token: team.member.accessToken }),
        403,
      );
      expect(
        (await api.delete(`/v1/comments/${byMember.body.id}`, { token: team.admin.accessToken }))
          .status,
      ).toBe(204);
      expectProblem(
        await api.delete(`/v1/comments/${byAdmin.body.id}`, {
          token: team.admin.accessToken,
          headers: ifMatch(5),
        }),
        412,
      );
      expect(
        (await api.delete(`/v1/comments/${byAdmin.body.id}`, { token: team.admin.accessToken }))
          .status,
      ).toBe(204);
      expect(
        (await api.get(`/v1/cards/${card.id}/comments`, { token: team.viewer.accessToken })).body
          .data,
      ).toEqual([]);
    });

    it('refuses bad input, viewers and other workspaces; replays an idempotent comment', async () => {
      const team = await createTeam(api);
      const token = team.member.accessToken;
      const { boardId } = await createBoard(api, token, team.workspaceId);
      const card = await createCard(api, token, boardId);
      const comment = await api.post(`/v1/cards/${card.id}/comments`, { body: 'hi' }, { token });
      expectProblem(await api.post(`/v1/cards/${card.id}/comments`, { body: '' }, { token }), 422);
      expectProblem(
        await api.post(`/v1/cards/${card.id}/comments`, { body: 'x'.repeat(10_001) }, { token }),
        422,
      );
      expectProblem(
        await api.patch(`/v1/comments/${comment.body.id}`, { body: null }, { token }),
        422,
      );
      expectProblem(
        await api.post(
          `/v1/cards/${card.id}/comments`,
          { body: 'x' },
          { token: team.viewer.accessToken },
        ),
        403,
      );
      expectProblem(
        await api.delete(`/v1/comments/${comment.body.id}`, { token: team.viewer.accessToken }),
        403,
      );
      const outsider = team.outsider.accessToken;
      expectProblem(await api.get(`/v1/cards/${card.id}/comments`, { token: outsider }), 404);
      expectProblem(
        await api.post(`/v1/cards/${card.id}/comments`, { body: 'x' }, { token: outsider }),
        404,
      );
      expectProblem(await api.get(`/v1/comments/${comment.body.id}`, { token: outsider }), 404);
      expectProblem(
        await api.patch(`/v1/comments/${comment.body.id}`, { body: 'x' }, { token: outsider }),
        404,
      );
      expectProblem(await api.delete(`/v1/comments/${comment.body.id}`, { token: outsider }), 404);
      const headers = { 'idempotency-key': 'comment-1' };
      const a = await api.post(
        `/v1/cards/${card.id}/comments`,
        { body: 'once' },
        { token, headers },
      );
      const b = await api.post(
        `/v1/cards/${card.id}/comments`,
        { body: 'once' },
        { token, headers },
      );
      expect(b.headers.get('idempotent-replayed')).toBe('true');
      expect(b.body.id).toBe(a.body.id);
      expect((await api.get(`/v1/cards/${card.id}/comments`, { token })).body.data).toHaveLength(2);
    });
  });
});
