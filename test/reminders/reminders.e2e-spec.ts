import ICAL from 'ical.js';
import { startApp, type TestApp } from '../support/app.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createBoard, createCard } from '../board/fixtures.js';
import { createNote } from '../notes/notes.factories.js';

const future = (ms: number): string => new Date(Date.now() + ms).toISOString();
const HOUR = 3_600_000;

describe('reminders over HTTP', () => {
  let app: TestApp;
  let api: Client;
  let team: Team;
  let member: string;

  beforeAll(async () => {
    // The scheduler is driven by the integration specs; here it must not fire under our feet.
    app = await startApp({ REMINDER_SCHEDULER_DISABLED: 'true' });
    api = client(app);
    team = await createTeam(api);
    member = team.member.accessToken;
  });
  afterAll(() => app.stop());

  const create = (
    body: Record<string, unknown>,
    token = member,
    headers?: Record<string, string>,
  ) => api.post(`/v1/workspaces/${team.workspaceId}/reminders`, body, { token, headers });

  it('creates a one-off reminder: 201, defaults, ETag, the creator as recipient, an audit event', async () => {
    const remindAt = future(HOUR);
    const res = await create({ title: ' Renew cert ', remindAt });
    expect(res.status).toBe(201);
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.body).toMatchObject({
      title: 'Renew cert',
      remindAt,
      timeZone: 'UTC',
      catchUp: 'fire_once',
      state: 'active',
      nextFireAt: remindAt,
      nextOccurrences: [remindAt],
      recipientIds: [team.member.id],
      cardId: null,
      noteId: null,
      version: 1,
    });
    const audit = await api.get(
      `/v1/workspaces/${team.workspaceId}/audit-events?entityId=${res.body.id}`,
      { token: team.owner.accessToken },
    );
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual(['reminder.created']);
  });

  it('uses the workspace time zone by default and keeps 09:00 local across DST in nextOccurrences', async () => {
    const ws = await api.patch(
      `/v1/workspaces/${team.workspaceId}`,
      { timeZone: 'America/New_York' },
      { token: team.owner.accessToken },
    );
    expect(ws.status).toBe(200);
    expect(ws.body.timeZone).toBe('America/New_York');
    const bad = await api.patch(
      `/v1/workspaces/${team.workspaceId}`,
      { timeZone: 'Mars/Base' },
      { token: team.owner.accessToken },
    );
    expectProblem(bad, 422, 'validation-failed');
    const res = await create({
      title: 'standup',
      rrule: 'FREQ=DAILY;COUNT=5',
      dtstart: '2030-03-08T09:00:00',
    });
    expect(res.status).toBe(201);
    expect(res.body.timeZone).toBe('America/New_York');
    expect(res.body.nextOccurrences).toEqual([
      '2030-03-08T14:00:00.000Z',
      '2030-03-09T14:00:00.000Z',
      '2030-03-10T13:00:00.000Z',
      '2030-03-11T13:00:00.000Z',
      '2030-03-12T13:00:00.000Z',
    ]);
    await api.patch(
      `/v1/workspaces/${team.workspaceId}`,
      { timeZone: 'UTC' },
      { token: team.owner.accessToken },
    );
  });

  it.each([
    ['bad rule', { rrule: 'FREQ=FORTNIGHTLY', dtstart: '2030-01-01T09:00:00' }, 'rrule'],
    ['too frequent', { rrule: 'FREQ=SECONDLY', dtstart: '2030-01-01T09:00:00' }, 'rrule'],
    [
      'no future occurrence',
      { rrule: 'FREQ=DAILY;COUNT=1', dtstart: '2020-01-01T09:00:00' },
      'rrule',
    ],
    ['rrule without dtstart', { rrule: 'FREQ=DAILY' }, 'dtstart'],
    ['bad zone', { cron: '0 9 * * *', timeZone: 'Europe/Atlantis' }, 'timeZone'],
    ['bad cron', { cron: '0 25 * * *' }, 'cron'],
    ['remindAt in the past', { remindAt: '2020-01-01T00:00:00Z' }, 'remindAt'],
    ['two schedules', { remindAt: future(HOUR), cron: '0 9 * * *' }, 'cron'],
    ['no schedule', {}, 'remindAt'],
    ['unknown field', { remindAt: future(HOUR), colour: 'red' }, 'colour'],
  ])('refuses %s with 422 naming the field', async (_name, body, field) => {
    const res = await create({ title: 'x', ...body });
    expectProblem(res, 422, 'validation-failed');
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('targets a card or note of the same workspace; one of another workspace is 422', async () => {
    const board = await createBoard(api, member, team.workspaceId);
    const card = await createCard(api, member, board.boardId);
    const note = await createNote(api, member, team.workspaceId, { title: 'n' });
    expect(
      (await create({ title: 'c', remindAt: future(HOUR), cardId: card.id })).body.cardId,
    ).toBe(card.id);
    const onNote = await create({ title: 'n', remindAt: future(HOUR), noteId: note.id });
    expect(onNote.body.noteId).toBe(note.id);
    const otherWs = (await api.get('/v1/workspaces', { token: team.outsider.accessToken })).body
      .data[0].id;
    const foreignBoard = await createBoard(api, team.outsider.accessToken, otherWs);
    const foreignCard = await createCard(api, team.outsider.accessToken, foreignBoard.boardId);
    const res = await create({ title: 'c', remindAt: future(HOUR), cardId: foreignCard.id });
    expectProblem(res, 422, 'validation-failed');
    expect(res.body.errors[0].field).toBe('cardId');
    const strangers = await create({
      title: 'r',
      remindAt: future(HOUR),
      recipientIds: [team.outsider.id],
    });
    expectProblem(strangers, 422, 'validation-failed');
    const list = await api.get(`/v1/workspaces/${team.workspaceId}/reminders?targetId=${card.id}`, {
      token: member,
    });
    expect(list.body.data).toHaveLength(1);
  });

  it('viewers read but cannot write (403); other tenants get 404', async () => {
    const r = (await create({ title: 'v', remindAt: future(HOUR) })).body;
    expectProblem(
      await create({ title: 'v', remindAt: future(HOUR) }, team.viewer.accessToken),
      403,
    );
    expect(
      (await api.get(`/v1/reminders/${r.id}`, { token: team.viewer.accessToken })).status,
    ).toBe(200);
    expectProblem(
      await api.patch(`/v1/reminders/${r.id}`, { title: 'w' }, { token: team.viewer.accessToken }),
      403,
    );
    expectProblem(
      await api.post(
        `/v1/reminders/${r.id}/snooze`,
        { until: future(HOUR) },
        { token: team.viewer.accessToken },
      ),
      403,
    );
    const outsider = team.outsider.accessToken;
    expectProblem(await api.get(`/v1/reminders/${r.id}`, { token: outsider }), 404);
    expectProblem(
      await api.patch(`/v1/reminders/${r.id}`, { title: 'x' }, { token: outsider }),
      404,
    );
    expectProblem(await api.delete(`/v1/reminders/${r.id}`, { token: outsider }), 404);
    expectProblem(await api.get(`/v1/reminders/${r.id}/occurrences`, { token: outsider }), 404);
    expectProblem(
      await api.get(`/v1/workspaces/${team.workspaceId}/reminders`, { token: outsider }),
      404,
    );
  });

  it('PATCH with If-Match: a new schedule recomputes the next occurrence; a stale ETag is 412', async () => {
    const r = (await create({ title: 'p', remindAt: future(HOUR) })).body;
    const res = await api.patch(
      `/v1/reminders/${r.id}`,
      { cron: '30 6 * * *', timeZone: 'Europe/Berlin' },
      { token: member, headers: { 'if-match': '"1"' } },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      cron: '30 6 * * *',
      remindAt: null,
      timeZone: 'Europe/Berlin',
      version: 2,
    });
    expect(res.body.nextOccurrences).toHaveLength(5);
    expect(res.body.nextFireAt).toBe(res.body.nextOccurrences[0]);
    const stale = await api.patch(
      `/v1/reminders/${r.id}`,
      { title: 'q' },
      { token: member, headers: { 'if-match': '"1"' } },
    );
    expectProblem(stale, 412, 'precondition-failed');
    const bad = await api.patch(`/v1/reminders/${r.id}`, { cron: 'nope' }, { token: member });
    expectProblem(bad, 422, 'validation-failed');
    expect((await api.get(`/v1/reminders/${r.id}`, { token: member })).body.cron).toBe(
      '30 6 * * *',
    );
  });

  it('replays an idempotent create: one reminder, Idempotent-Replayed: true', async () => {
    const headers = { 'idempotency-key': `rem-${Date.now()}` };
    const body = { title: 'once only', remindAt: future(2 * HOUR) };
    const first = await create(body, member, headers);
    const second = await create(body, member, headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    const list = await api.get(`/v1/workspaces/${team.workspaceId}/reminders?limit=200`, {
      token: member,
    });
    expect(list.body.data.filter((r: { title: string }) => r.title === 'once only')).toHaveLength(
      1,
    );
  });

  it('lists in next-occurrence order with filters and a cursor', async () => {
    const far = await create({ title: 'far', remindAt: future(1000 * HOUR) });
    const near = await create({ title: 'near', remindAt: future(900 * HOUR) });
    const after = new Date(Date.now() + 800 * HOUR).toISOString();
    const before = new Date(Date.now() + 1100 * HOUR).toISOString();
    const page1 = await api.get(
      `/v1/workspaces/${team.workspaceId}/reminders?nextAfter=${after}&nextBefore=${before}&limit=1`,
      { token: member },
    );
    expect(page1.body.data.map((r: { id: string }) => r.id)).toEqual([near.body.id]);
    const page2 = await api.get(
      `/v1/workspaces/${team.workspaceId}/reminders?nextAfter=${after}&nextBefore=${before}&limit=1&cursor=${page1.body.nextCursor}`,
      { token: member },
    );
    expect(page2.body.data.map((r: { id: string }) => r.id)).toEqual([far.body.id]);
    expect(page2.body.nextCursor).toBeNull();
    expectProblem(
      await api.get(`/v1/workspaces/${team.workspaceId}/reminders?state=sleeping`, {
        token: member,
      }),
      422,
    );
    expectProblem(
      await api.get(`/v1/workspaces/${team.workspaceId}/reminders?cursor=forged`, {
        token: member,
      }),
      400,
    );
  });

  it('snoozes the pending occurrence once (the rule stays), acks nothing unfired (409), cancels', async () => {
    const r = (await create({ title: 's', cron: '0 9 * * *' })).body;
    const until = future(3 * HOUR);
    const snoozed = await api.post(`/v1/reminders/${r.id}/snooze`, { until }, { token: member });
    expect(snoozed.status).toBe(200);
    expect(snoozed.body.snoozedUntil).toBe(until);
    // The rule's next occurrence moved on to the one after the snoozed one.
    expect(snoozed.body.nextOccurrences[0]).toBe(r.nextOccurrences[1]);
    const occ = await api.get(`/v1/reminders/${r.id}/occurrences`, { token: member });
    expect(occ.body.data).toEqual([
      expect.objectContaining({
        scheduledFor: r.nextOccurrences[0],
        snoozedUntil: until,
        firedAt: null,
      }),
    ]);
    expectProblem(
      await api.post(
        `/v1/reminders/${r.id}/snooze`,
        { until: '2020-01-01T00:00:00Z' },
        { token: member },
      ),
      422,
    );
    expectProblem(
      await api.post(`/v1/reminders/${r.id}/ack`, {}, { token: member }),
      409,
      'nothing-to-acknowledge',
    );
    const del = await api.delete(`/v1/reminders/${r.id}`, {
      token: member,
      headers: { 'if-match': '"1"' },
    });
    expectProblem(del, 412);
    expect((await api.delete(`/v1/reminders/${r.id}`, { token: member })).status).toBe(204);
    const after = await api.get(`/v1/reminders/${r.id}`, { token: member });
    expect(after.body).toMatchObject({ state: 'cancelled', nextFireAt: null, nextOccurrences: [] });
    expectProblem(
      await api.post(`/v1/reminders/${r.id}/snooze`, { until }, { token: member }),
      409,
    );
  });

  it('upcoming across my workspaces and an iCalendar feed an independent parser reads', async () => {
    const mine = (
      await create({
        title: 'Feed me',
        rrule: 'FREQ=WEEKLY;BYDAY=MO',
        dtstart: '2030-01-07T09:00:00',
      })
    ).body;
    const upcoming = await api.get('/v1/me/reminders/upcoming?limit=200', { token: member });
    expect(upcoming.status).toBe(200);
    expect(upcoming.body.data.some((r: { id: string }) => r.id === mine.id)).toBe(true);
    expect(
      (await api.get('/v1/me/reminders/upcoming', { token: team.outsider.accessToken })).body.data,
    ).toEqual([]);

    const token = (
      await api.post('/v1/me/tokens', { name: 'cal', scopes: ['read'] }, { token: member })
    ).body.token;
    const viaQuery = await fetch(`${app.url}/v1/me/reminders.ics?token=${token}`);
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.headers.get('content-type')).toMatch(/^text\/calendar/);
    const viaHeader = await fetch(`${app.url}/v1/me/reminders.ics`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(viaHeader.status).toBe(200);
    const calendar = new ICAL.Component(ICAL.parse(await viaQuery.text()));
    const events = calendar.getAllSubcomponents('vevent').map((e) => new ICAL.Event(e));
    const feedMe = events.filter((e) => e.summary === 'Feed me');
    expect(feedMe.map((e) => e.startDate.toJSDate().toISOString())).toEqual(mine.nextOccurrences);
    expect((await fetch(`${app.url}/v1/me/reminders.ics`)).status).toBe(401);
    expect((await fetch(`${app.url}/v1/me/reminders.ics?token=wd_nope`)).status).toBe(401);
    // An access token is not accepted for a long-lived feed URL.
    expect((await fetch(`${app.url}/v1/me/reminders.ics?token=${member}`)).status).toBe(401);
  });
});

describe('card due dates drive reminders (from the card events)', () => {
  let app: TestApp;
  let api: Client;
  let team: Team;

  beforeAll(async () => {
    app = await startApp({ REMINDER_SCHEDULER_DISABLED: 'true', REMINDER_POLL_INTERVAL_MS: '25' });
    api = client(app);
    team = await createTeam(api);
  });
  afterAll(() => app.stop());

  const cardReminders = async (cardId: string, token: string) => {
    const res = await api.get(
      `/v1/workspaces/${team.workspaceId}/reminders?targetId=${cardId}&limit=200`,
      { token },
    );
    return (res.body.data as { remindAt: string; state: string; title: string }[])
      .map((r) => ({ remindAt: r.remindAt, state: r.state, title: r.title }))
      .sort((a, b) => a.remindAt.localeCompare(b.remindAt));
  };
  const eventually = async <T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const v = await read();
      if (ok(v) || Date.now() > deadline) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('creates one reminder per offset, moves them with the due date, cancels on clear and archive', async () => {
    const token = team.member.accessToken;
    const board = await createBoard(api, token, team.workspaceId);
    const due = new Date(Date.now() + 10 * 24 * HOUR);
    const card = await createCard(api, token, board.boardId, {
      title: 'Ship it',
      dueAt: due.toISOString(),
      remindBefore: ['PT1H', 'P1D'],
    });
    const at = (d: Date, ms: number) => new Date(d.getTime() - ms).toISOString();
    const first = await eventually(
      () => cardReminders(card.id, token),
      (r) => r.length === 2,
    );
    expect(first).toEqual([
      { remindAt: at(due, 24 * HOUR), state: 'active', title: 'Due: Ship it' },
      { remindAt: at(due, HOUR), state: 'active', title: 'Due: Ship it' },
    ]);

    const moved = new Date(due.getTime() + 2 * 24 * HOUR);
    const patched = await api.patch(
      `/v1/cards/${card.id}`,
      { dueAt: moved.toISOString() },
      { token },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.remindBefore).toEqual(['PT1H', 'P1D']);
    const after = await eventually(
      () => cardReminders(card.id, token),
      (r) => r[0]?.remindAt === at(moved, 24 * HOUR),
    );
    expect(after.map((r) => r.remindAt)).toEqual([at(moved, 24 * HOUR), at(moved, HOUR)]);

    await api.patch(`/v1/cards/${card.id}`, { remindBefore: ['PT1H'] }, { token });
    const fewer = await eventually(
      () => cardReminders(card.id, token),
      (r) => r.filter((x) => x.state === 'cancelled').length === 1,
    );
    expect(fewer.map((r) => r.state).sort()).toEqual(['active', 'cancelled']);

    await api.post(`/v1/cards/${card.id}/archive`, {}, { token });
    const archived = await eventually(
      () => cardReminders(card.id, token),
      (r) => r.every((x) => x.state === 'cancelled'),
    );
    expect(archived.every((r) => r.state === 'cancelled')).toBe(true);
  });

  it('brings the reminders of a restored card back, except offsets already past', async () => {
    const token = team.member.accessToken;
    const board = await createBoard(api, token, team.workspaceId, 'restore');
    const due = new Date(Date.now() + 2 * HOUR);
    const card = await createCard(api, token, board.boardId, {
      title: 'Come back',
      dueAt: due.toISOString(),
      remindBefore: ['PT1H', 'P1D'],
    });
    const at = (ms: number) => new Date(due.getTime() - ms).toISOString();
    // P1D before the due date is already past: no reminder, like at creation.
    const created = await eventually(
      () => cardReminders(card.id, token),
      (r) => r.length === 1,
    );
    expect(created).toEqual([{ remindAt: at(HOUR), state: 'active', title: 'Due: Come back' }]);

    expect((await api.post(`/v1/cards/${card.id}/archive`, {}, { token })).status).toBe(200);
    await eventually(
      () => cardReminders(card.id, token),
      (r) => r.every((x) => x.state === 'cancelled'),
    );
    const restored = await api.post(`/v1/cards/${card.id}/restore`, {}, { token });
    expect(restored.status).toBe(200);
    const back = await eventually(
      () => cardReminders(card.id, token),
      (r) => r.some((x) => x.state === 'active'),
    );
    expect(back).toEqual([{ remindAt: at(HOUR), state: 'active', title: 'Due: Come back' }]);
    const [reminder] = (
      await api.get(`/v1/workspaces/${team.workspaceId}/reminders?targetId=${card.id}`, { token })
    ).body.data as { nextFireAt: string }[];
    expect(reminder.nextFireAt).toBe(at(HOUR));
    const events = await api.get(
      `/v1/workspaces/${team.workspaceId}/audit-events?entityId=${card.id}&action=card.restored`,
      { token: team.owner.accessToken },
    );
    expect(events.body.data[0].changes).toMatchObject({
      dueAt: { from: due.toISOString(), to: due.toISOString() },
      remindBefore: { from: ['PT1H', 'P1D'], to: ['PT1H', 'P1D'] },
    });
  });

  it('gives a card whose due date is set later reminders titled after the card', async () => {
    const token = team.member.accessToken;
    const board = await createBoard(api, token, team.workspaceId, 'later');
    const card = await createCard(api, token, board.boardId, { title: 'Named' });
    const due = new Date(Date.now() + 5 * HOUR);
    const patched = await api.patch(
      `/v1/cards/${card.id}`,
      { dueAt: due.toISOString(), remindBefore: ['PT1H'] },
      { token },
    );
    expect(patched.status).toBe(200);
    const got = await eventually(
      () => cardReminders(card.id, token),
      (r) => r.length === 1,
    );
    expect(got).toEqual([
      {
        remindAt: new Date(due.getTime() - HOUR).toISOString(),
        state: 'active',
        title: 'Due: Named',
      },
    ]);
  });

  it('keeps an archived card without reminders when its due date changes, until it is restored', async () => {
    const token = team.member.accessToken;
    const board = await createBoard(api, token, team.workspaceId, 'archived-edit');
    const card = await createCard(api, token, board.boardId, { title: 'Shelved' });
    expect((await api.post(`/v1/cards/${card.id}/archive`, {}, { token })).status).toBe(200);
    const due = new Date(Date.now() + 5 * HOUR);
    const patched = await api.patch(
      `/v1/cards/${card.id}`,
      { dueAt: due.toISOString(), remindBefore: ['PT1H'] },
      { token },
    );
    expect(patched.status).toBe(200);
    // A marker event after the edit: once the consumer is past it, the edit was handled too.
    const marker = await createCard(api, token, board.boardId, {
      title: 'Marker',
      dueAt: due.toISOString(),
      remindBefore: ['PT1H'],
    });
    await eventually(
      () => cardReminders(marker.id, token),
      (r) => r.length === 1,
    );
    expect(await cardReminders(card.id, token)).toEqual([]);
    expect((await api.post(`/v1/cards/${card.id}/restore`, {}, { token })).status).toBe(200);
    const back = await eventually(
      () => cardReminders(card.id, token),
      (r) => r.length === 1,
    );
    expect(back).toEqual([
      {
        remindAt: new Date(due.getTime() - HOUR).toISOString(),
        state: 'active',
        title: 'Due: Shelved',
      },
    ]);
  });

  it('refuses bad offsets on the card (422)', async () => {
    const token = team.member.accessToken;
    const board = await createBoard(api, token, team.workspaceId, 'b2');
    const tooMany = await api.post(
      `/v1/boards/${board.boardId}/cards`,
      { title: 'x', remindBefore: ['PT1H', 'PT2H', 'PT3H', 'PT4H', 'PT5H', 'PT6H'] },
      { token },
    );
    expectProblem(tooMany, 422, 'validation-failed');
    const notDuration = await api.post(
      `/v1/boards/${board.boardId}/cards`,
      { title: 'x', remindBefore: ['one hour'] },
      { token },
    );
    expectProblem(notDuration, 422, 'validation-failed');
  });
});
