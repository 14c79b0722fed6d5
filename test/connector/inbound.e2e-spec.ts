import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { startApp, type TestApp } from '../support/app.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';

describe('connectors (inbound hooks)', () => {
  let app: TestApp;
  let api: Client;
  let team: Team;
  let hook: { id: string; secret: string };

  beforeAll(async () => {
    app = await startApp({ INBOUND_RATE_LIMIT_PER_MINUTE: '1000' });
    api = client(app);
    team = await createTeam(api);
    const res = await api.post(
      `/v1/workspaces/${team.workspaceId}/connectors`,
      {
        name: 'Issues in',
        kind: 'inbound',
        verifier: 'standard',
        mapping: {
          target: 'note',
          expression: '{"title": issue.title, "body": issue.body}',
        },
      },
      { token: team.admin.accessToken },
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      kind: 'inbound',
      verifier: 'standard',
      hookPath: `/v1/hooks/${res.body.id}`,
    });
    hook = res.body;
  });
  afterAll(() => app.stop());

  const send = (
    payload: unknown,
    id: string,
    opts: { secret?: string; at?: Date; raw?: string; connectorId?: string } = {},
  ) => {
    const body = opts.raw ?? JSON.stringify(payload);
    const at = opts.at ?? new Date();
    const signature = new Webhook(opts.secret ?? hook.secret).sign(id, at, body);
    return api.request('POST', `/v1/hooks/${opts.connectorId ?? hook.id}`, undefined, {
      raw: body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      },
    });
  };
  const events = async () =>
    (await api.get(`/v1/connectors/${hook.id}/inbound-events`, { token: team.viewer.accessToken }))
      .body.data as Array<{
      id: string;
      deliveryId: string;
      result: string;
      verified: boolean;
      reason: string | null;
      entityId: string | null;
    }>;

  // Creating the mapped entity through the notes/board services as the connector's system
  // actor is covered in inbound.int-spec.ts; here the HTTP contract of the hook itself.
  it('a verified delivery reaches the mapping once: a replayed delivery id answers 200 with no second effect', async () => {
    const first = await send({ issue: { body: 'no title' } }, 'msg_once');
    expectProblem(first, 422, 'mapping-failed');
    const before = await events();
    const again = await send({ issue: { body: 'no title' } }, 'msg_once');
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ eventId: before[0].id, entityId: null });
    expect(await events()).toHaveLength(before.length);
  });

  it('a valid delivery creates the mapped note as the connector: no user author, 202', async () => {
    const res = await send({ issue: { title: 'From outside', body: 'hello' } }, 'msg_note_ok');
    expect(res.status).toBe(202);
    const note = await api.get(`/v1/notes/${res.body.entityId}`, {
      token: team.viewer.accessToken,
    });
    expect(note.status).toBe(200);
    expect(note.body).toMatchObject({
      title: 'From outside',
      body: 'hello',
      createdBy: null,
      updatedBy: null,
    });
    const log = await api.get(
      `/v1/workspaces/${team.workspaceId}/audit-events?entityId=${res.body.entityId}`,
      { token: team.admin.accessToken },
    );
    expect(log.body.data).toEqual([
      expect.objectContaining({
        action: 'note.created',
        actor: { type: 'system', id: `connector:${hook.id}` },
      }),
    ]);
    // A member's later edit makes the member the author of the current state.
    const edited = await api.patch(
      `/v1/notes/${res.body.entityId}`,
      { body: 'edited' },
      { token: team.member.accessToken },
    );
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ createdBy: null, updatedBy: team.member.id });
  });

  it('a bad signature, another secret or a stale timestamp is 401 with no effect', async () => {
    const before = (await events()).length;
    const tampered = await api.request('POST', `/v1/hooks/${hook.id}`, undefined, {
      raw: JSON.stringify({ issue: { title: 'Evil' } }),
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_evil',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      },
    });
    expectProblem(tampered, 401, 'invalid-signature');
    expectProblem(
      await send({ issue: { title: 'Evil' } }, 'msg_other', {
        secret: 'whsec_' + Buffer.alloc(32, 1).toString('base64'),
      }),
      401,
    );
    expectProblem(
      await send({ issue: { title: 'Old' } }, 'msg_old', { at: new Date(Date.now() - 6 * 60_000) }),
      401,
    );
    const unsigned = await api.post(`/v1/hooks/${hook.id}`, { issue: { title: 'Unsigned' } });
    expectProblem(unsigned, 401);
    const stored = await events();
    expect(stored.length - before).toBe(4);
    expect(
      stored
        .slice(0, 4)
        .every((e) => !e.verified && e.result === 'rejected' && e.entityId === null),
    ).toBe(true);
    const notes = await api.get(`/v1/workspaces/${team.workspaceId}/notes`, {
      token: team.viewer.accessToken,
    });
    expect(notes.text).not.toMatch(/Evil|Old|Unsigned/);
  });

  it('a mapping that yields an invalid body is 422 and stored as a failed event', async () => {
    const res = await send({ issue: { body: 'no title' } }, 'msg_invalid');
    expectProblem(res, 422, 'mapping-failed');
    const [latest] = await events();
    expect(latest).toMatchObject({
      deliveryId: 'msg_invalid',
      verified: true,
      result: 'failed',
      entityId: null,
    });
    expect(latest.reason).toMatch(/title/);
    const notJson = await send(undefined, 'msg_raw', { raw: '"just a string"' });
    expectProblem(notJson, 422, 'mapping-failed');
  });

  it('unknown hooks and outbound connectors are 404; other tenants cannot list inbound events', async () => {
    expectProblem(
      await send({}, 'x', { connectorId: '0190a4c2-7b1e-7cc3-9d2e-3f1f0b6f2a10' }),
      404,
    );
    expectProblem(
      await api.get(`/v1/connectors/${hook.id}/inbound-events`, {
        token: team.outsider.accessToken,
      }),
      404,
    );
    expectProblem(
      await api.get(`/v1/connectors/${hook.id}/deliveries`, { token: team.viewer.accessToken }),
      409,
    );
  });

  it('GitHub and Stripe-style verifiers', async () => {
    const gh = await api.post(
      `/v1/workspaces/${team.workspaceId}/connectors`,
      {
        name: 'GitHub',
        kind: 'inbound',
        verifier: 'github',
        mapping: { target: 'note', expression: '{"body": pull_request.title}' },
      },
      { token: team.admin.accessToken },
    );
    const body = JSON.stringify({ pull_request: { title: 'Add feature' } });
    const sig = `sha256=${createHmac('sha256', gh.body.secret).update(body).digest('hex')}`;
    const headers = {
      'content-type': 'application/json',
      'x-hub-signature-256': sig,
      'x-github-delivery': 'gh-1',
    };
    // Accepted signature: the request reaches the mapping (whose body lacks a title: 422).
    const ok = await api.request('POST', `/v1/hooks/${gh.body.id}`, undefined, {
      raw: body,
      headers,
    });
    expectProblem(ok, 422, 'mapping-failed');
    expectProblem(
      await api.request('POST', `/v1/hooks/${gh.body.id}`, undefined, {
        raw: body.replace('Add', 'Drop'),
        headers,
      }),
      401,
    );

    const stripe = await api.post(
      `/v1/workspaces/${team.workspaceId}/connectors`,
      {
        name: 'Stripe',
        kind: 'inbound',
        verifier: 'stripe',
        mapping: { target: 'note', expression: '{"body": "Paid " & data.object.id}' },
      },
      { token: team.admin.accessToken },
    );
    const sbody = JSON.stringify({ id: 'evt_1', data: { object: { id: 'in_1' } } });
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', stripe.body.secret).update(`${t}.${sbody}`).digest('hex');
    const sres = await api.request('POST', `/v1/hooks/${stripe.body.id}`, undefined, {
      raw: sbody,
      headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${v1}` },
    });
    expectProblem(sres, 422, 'mapping-failed');
    const replay = await api.request('POST', `/v1/hooks/${stripe.body.id}`, undefined, {
      raw: sbody,
      headers: { 'content-type': 'application/json', 'stripe-signature': `t=${t},v1=${v1}` },
    });
    expect(replay.status).toBe(200);
    expect(replay.body.entityId).toBeNull();
    expectProblem(
      await api.request('POST', `/v1/hooks/${stripe.body.id}`, undefined, {
        raw: sbody,
        headers: {
          'content-type': 'application/json',
          'stripe-signature': `t=${t - 400},v1=${v1}`,
        },
      }),
      401,
    );
  });

  it('creating an inbound connector validates verifier and mapping', async () => {
    const post = (body: Record<string, unknown>) =>
      api.post(
        `/v1/workspaces/${team.workspaceId}/connectors`,
        { name: 'x', kind: 'inbound', ...body },
        { token: team.admin.accessToken },
      );
    expectProblem(
      await post({ verifier: 'carrier', mapping: { target: 'note', expression: '{}' } }),
      422,
    );
    expectProblem(await post({ mapping: { target: 'card', expression: '{"title": t}' } }), 422);
    expectProblem(await post({ mapping: { target: 'note', expression: '$eval("1")' } }), 422);
    expectProblem(await post({ mapping: { target: 'note', expression: '{"title": ' } }), 422);
  });
  it('a mapped reminder is created by the connector: validated like the public API', async () => {
    const created = await api.post(
      `/v1/workspaces/${team.workspaceId}/connectors`,
      {
        name: 'Alerts in',
        kind: 'inbound',
        verifier: 'standard',
        mapping: { target: 'reminder', expression: '{"title": alert.name, "remindAt": alert.at}' },
      },
      { token: team.admin.accessToken },
    );
    expect(created.status).toBe(201);
    const deliver = (id: string, payload: unknown) => {
      const at = new Date();
      const body = JSON.stringify(payload);
      return api.request('POST', `/v1/hooks/${created.body.id}`, undefined, {
        raw: body,
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': new Webhook(created.body.secret).sign(id, at, body),
        },
      });
    };
    const ok = await deliver('msg_rem_1', {
      alert: { name: 'Renew TLS', at: '2031-05-01T08:00:00Z' },
    });
    expect(ok.status).toBe(202);
    const reminder = await api.get(`/v1/reminders/${ok.body.entityId}`, {
      token: team.viewer.accessToken,
    });
    expect(reminder.status).toBe(200);
    expect(reminder.body).toMatchObject({
      title: 'Renew TLS',
      nextFireAt: '2031-05-01T08:00:00.000Z',
    });
    // A remindAt in the past is refused exactly as on the public route.
    expectProblem(
      await deliver('msg_rem_2', { alert: { name: 'Too late', at: '2001-01-01T00:00:00Z' } }),
      422,
    );
  });

  it('a mapped card is created by the connector itself: no user, the system actor in the log', async () => {
    const board = await api.post(
      `/v1/workspaces/${team.workspaceId}/boards`,
      { name: 'Inbox' },
      { token: team.member.accessToken },
    );
    expect(board.status).toBe(201);
    const column = await api.post(
      `/v1/boards/${board.body.id}/columns`,
      { name: 'New' },
      { token: team.member.accessToken },
    );
    expect(column.status).toBe(201);
    const created = await api.post(
      `/v1/workspaces/${team.workspaceId}/connectors`,
      {
        name: 'Tickets in',
        kind: 'inbound',
        verifier: 'standard',
        mapping: {
          target: 'card',
          boardId: board.body.id,
          columnId: column.body.id,
          expression: '{"title": ticket.subject}',
        },
      },
      { token: team.admin.accessToken },
    );
    expect(created.status).toBe(201);
    const at = new Date();
    const body = JSON.stringify({ ticket: { subject: 'Printer on fire' } });
    const res = await api.request('POST', `/v1/hooks/${created.body.id}`, undefined, {
      raw: body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_card_1',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(created.body.secret).sign('msg_card_1', at, body),
      },
    });
    expect(res.status).toBe(202);
    const card = await api.get(`/v1/cards/${res.body.entityId}`, {
      token: team.viewer.accessToken,
    });
    expect(card.status).toBe(200);
    expect(card.body).toMatchObject({
      title: 'Printer on fire',
      columnId: column.body.id,
      createdBy: null,
    });
    const log = await api.get(
      `/v1/workspaces/${team.workspaceId}/audit-events?entityId=${res.body.entityId}`,
      { token: team.admin.accessToken },
    );
    expect(log.body.data).toEqual([
      expect.objectContaining({
        action: 'card.created',
        actor: { type: 'system', id: `connector:${created.body.id}` },
      }),
    ]);
  });
});
