import { startApp, type TestApp } from '../support/app.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createCard, createNote, listAll } from './notes.factories.js';

describe('note-card links', () => {
  let app: TestApp;
  let api: Client;
  let team: Team;
  let outsiderWorkspace: string;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
    team = await createTeam(api);
    outsiderWorkspace = (await api.get('/v1/workspaces', { token: team.outsider.accessToken })).body
      .data[0].id;
  });
  afterAll(() => app.stop());

  const member = () => ({ token: team.member.accessToken });
  const cardsOf = (noteId: string) =>
    listAll(api, team.viewer.accessToken, `/v1/notes/${noteId}/cards`, 1);
  const notesOf = (cardId: string) =>
    listAll(api, team.viewer.accessToken, `/v1/cards/${cardId}/notes`, 1);

  it('links a card to a note (idempotently) and lists the link both ways', async () => {
    const note = await createNote(api, team.member.accessToken, team.workspaceId, {
      title: 'Spec',
      body: 'the spec',
    });
    const card = await createCard(api, team.member.accessToken, team.workspaceId, 'Build it');
    const linked = await api.put(`/v1/notes/${note.id}/cards/${card.id}`, undefined, member());
    expect(linked.status).toBe(200);
    expect(linked.body).toEqual({
      noteId: note.id,
      cardId: card.id,
      boardId: card.boardId,
      cardTitle: 'Build it',
      linkedBy: team.member.id,
      linkedAt: expect.stringMatching(/Z$/),
    });
    const again = await api.put(`/v1/notes/${note.id}/cards/${card.id}`, undefined, {
      token: team.admin.accessToken,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(linked.body);

    expect(await cardsOf(note.id)).toEqual([linked.body]);
    const notes = await notesOf(card.id);
    expect(notes).toEqual([
      expect.objectContaining({
        id: note.id,
        title: 'Spec',
        excerpt: 'the spec',
        linkedBy: team.member.id,
        linkedAt: linked.body.linkedAt,
      }),
    ]);
    // The note itself is unchanged by linking.
    const got = await api.get(`/v1/notes/${note.id}`, member());
    expect(got.body.version).toBe(1);
  });

  it('lists several links newest first across pages', async () => {
    const token = team.member.accessToken;
    const note = await createNote(api, token, team.workspaceId, { title: 'Hub' });
    const cards = [];
    for (const title of ['one', 'two', 'three']) {
      const card = await createCard(api, token, team.workspaceId, title);
      await api.put(`/v1/notes/${note.id}/cards/${card.id}`, undefined, { token });
      cards.push(card);
    }
    expect((await cardsOf(note.id)).map((l) => l.cardTitle)).toEqual(['three', 'two', 'one']);
    const other = await createNote(api, token, team.workspaceId, { title: 'Second' });
    await api.put(`/v1/notes/${other.id}/cards/${cards[0].id}`, undefined, { token });
    expect((await notesOf(cards[0].id)).map((n) => n.id)).toEqual([other.id, note.id]);
  });

  it('refuses a card of another workspace, or no card at all, with the same 422', async () => {
    const note = await createNote(api, team.member.accessToken, team.workspaceId, { title: 'n' });
    const foreign = await createCard(api, team.outsider.accessToken, outsiderWorkspace, 'theirs');
    const res = await api.put(`/v1/notes/${note.id}/cards/${foreign.id}`, undefined, member());
    expectProblem(res, 422, 'card-not-in-workspace');
    const missing = await api.put(
      `/v1/notes/${note.id}/cards/00000000-0000-7000-8000-000000000000`,
      undefined,
      member(),
    );
    expectProblem(missing, 422, 'card-not-in-workspace');
    expect(missing.body.detail).toBe(res.body.detail);
    expect(await cardsOf(note.id)).toEqual([]);
  });

  it('lets viewers list but not link or unlink (403); other workspaces get 404', async () => {
    const note = await createNote(api, team.member.accessToken, team.workspaceId, { title: 'g' });
    const card = await createCard(api, team.member.accessToken, team.workspaceId);
    const viewer = { token: team.viewer.accessToken };
    expectProblem(
      await api.put(`/v1/notes/${note.id}/cards/${card.id}`, undefined, viewer),
      403,
      'forbidden',
    );
    await api.put(`/v1/notes/${note.id}/cards/${card.id}`, undefined, member());
    expectProblem(await api.delete(`/v1/notes/${note.id}/cards/${card.id}`, viewer), 403);
    expect(await cardsOf(note.id)).toHaveLength(1);

    const outsider = { token: team.outsider.accessToken };
    expectProblem(await api.get(`/v1/notes/${note.id}/cards`, outsider), 404, 'not-found');
    const foreignCard = await api.get(`/v1/cards/${card.id}/notes`, outsider);
    const missingCard = await api.get(
      '/v1/cards/00000000-0000-7000-8000-000000000000/notes',
      outsider,
    );
    expectProblem(foreignCard, 404, 'not-found');
    expectProblem(missingCard, 404, 'not-found');
    expect(foreignCard.body.detail).toBe(missingCard.body.detail);
    expectProblem(await api.put(`/v1/notes/${note.id}/cards/${card.id}`, undefined, outsider), 404);
    expectProblem(await api.delete(`/v1/notes/${note.id}/cards/${card.id}`, outsider), 404);
    expectProblem(await api.put(`/v1/notes/${note.id}/cards/nope`, undefined, viewer), 400);
    expectProblem(await api.get(`/v1/cards/nope/notes`, viewer), 400, 'malformed-request');
  });

  it('unlinks (204), and unlinking again is a 404', async () => {
    const note = await createNote(api, team.member.accessToken, team.workspaceId, { title: 'u' });
    const card = await createCard(api, team.member.accessToken, team.workspaceId);
    await api.put(`/v1/notes/${note.id}/cards/${card.id}`, undefined, member());
    const res = await api.delete(`/v1/notes/${note.id}/cards/${card.id}`, member());
    expect(res.status).toBe(204);
    expectProblem(await api.delete(`/v1/notes/${note.id}/cards/${card.id}`, member()), 404);
    expect(await cardsOf(note.id)).toEqual([]);
    expect(await notesOf(card.id)).toEqual([]);
  });

  it('deleting a card removes its links but not the notes; deleting a note removes its links', async () => {
    const token = team.member.accessToken;
    const note = await createNote(api, token, team.workspaceId, { title: 'stays' });
    const gone = await createCard(api, token, team.workspaceId, 'goes away');
    const kept = await createCard(api, token, team.workspaceId, 'kept');
    await api.put(`/v1/notes/${note.id}/cards/${gone.id}`, undefined, { token });
    await api.put(`/v1/notes/${note.id}/cards/${kept.id}`, undefined, { token });

    expect((await api.delete(`/v1/cards/${gone.id}`, { token })).status).toBe(204);
    expect((await api.get(`/v1/notes/${note.id}`, { token })).status).toBe(200);
    expect((await cardsOf(note.id)).map((l) => l.cardId)).toEqual([kept.id]);
    expectProblem(await api.get(`/v1/cards/${gone.id}/notes`, { token }), 404);

    expect((await api.delete(`/v1/notes/${note.id}`, { token })).status).toBe(204);
    expect(await notesOf(kept.id)).toEqual([]);
    expect((await api.get(`/v1/cards/${kept.id}`, { token })).status).toBe(200);
  });
});
