import { Webhook } from 'standardwebhooks';
import { startApp, type TestApp } from '../support/app.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { eventually, Receiver } from './receiver.js';

/** Short schedule so that retries and dead letters happen within a spec: 3 attempts. */
const ENV = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_RETRY_SCHEDULE: '1,1',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  OUTBOX_POLL_INTERVAL_MS: '50',
};

describe('connectors (outbound)', () => {
  let app: TestApp;
  let api: Client;
  let team: Team;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    app = await startApp(ENV);
    api = client(app);
    team = await createTeam(api);
  });
  afterAll(async () => {
    await app.stop();
    await receiver.stop();
  });

  const admin = () => ({ token: team.admin.accessToken });
  const viewer = () => ({ token: team.viewer.accessToken });
  const outsider = () => ({ token: team.outsider.accessToken });
  /** A committed event: the hook's own description changes (`connector.updated`). */
  const touch = (hookId: string, text: string) =>
    api.patch(`/v1/connectors/${hookId}`, { description: text }, admin());
  const createHook = async (
    path: string,
    events = ['connector.updated'],
    extra: Record<string, unknown> = {},
  ) => {
    const res = await api.post(
      `/v1/workspaces/${team.workspaceId}/connectors`,
      { name: `hook ${path}`, kind: 'webhook', url: receiver.url(path), events, ...extra },
      admin(),
    );
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string; version: number };
  };
  const deliveriesOf = async (connectorId: string, status?: string) =>
    (
      await api.get(
        `/v1/connectors/${connectorId}/deliveries${status ? `?status=${status}` : ''}`,
        viewer(),
      )
    ).body.data as Array<{
      id: string;
      status: string;
      eventId: string;
      eventType: string;
      attemptCount: number;
    }>;

  describe('CRUD', () => {
    it('creates a webhook connector: the secret is shown once, never again', async () => {
      const res = await api.post(
        `/v1/workspaces/${team.workspaceId}/connectors`,
        {
          name: 'Deploys',
          kind: 'webhook',
          url: receiver.url('/crud'),
          events: ['connector.*', 'connector.updated'],
        },
        admin(),
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        name: 'Deploys',
        kind: 'webhook',
        enabled: true,
        url: receiver.url('/crud'),
        events: ['connector.*', 'connector.updated'],
        version: 1,
        health: {
          state: 'closed',
          lastSuccessAt: null,
          lastFailureAt: null,
          successRate24h: null,
          deadDeliveries: 0,
        },
      });
      expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      const got = await api.get(`/v1/connectors/${res.body.id}`, viewer());
      expect(got.status).toBe(200);
      expect(got.headers.get('etag')).toBe('"1"');
      expect(got.body.secret).toBeUndefined();
      expect(got.text).not.toContain(res.body.secret.slice(6));
      const list = await api.get(`/v1/workspaces/${team.workspaceId}/connectors?limit=1`, viewer());
      expect(list.status).toBe(200);
      expect(list.body.data).toHaveLength(1);
      expect(list.text).not.toContain('whsec_');
    });

    it('refuses bad input with 422 field errors', async () => {
      const post = (body: Record<string, unknown>) =>
        api.post(`/v1/workspaces/${team.workspaceId}/connectors`, { name: 'x', ...body }, admin());
      const metadata = await post({
        kind: 'webhook',
        url: 'http://169.254.169.254/latest',
        events: ['connector.*'],
      });
      expectProblem(metadata, 422);
      expect(metadata.body.errors).toEqual([
        expect.objectContaining({ field: 'url', message: expect.stringMatching(/metadata/) }),
      ]);
      const zero = await post({
        kind: 'webhook',
        url: 'http://0.0.0.0:9/',
        events: ['connector.*'],
      });
      expectProblem(zero, 422);
      const unknownEvent = await post({
        kind: 'webhook',
        url: receiver.url('/x'),
        events: ['connector.exploded'],
      });
      expectProblem(unknownEvent, 422);
      expect(unknownEvent.body.errors[0].field).toBe('events');
      expectProblem(
        await post({ kind: 'carrier-pigeon', url: receiver.url('/x'), events: ['connector.*'] }),
        422,
      );
      expectProblem(await post({ kind: 'webhook', events: ['connector.*'] }), 422);
      expectProblem(
        await post({
          kind: 'webhook',
          url: receiver.url('/x'),
          events: ['connector.*'],
          secret: 'mine',
        }),
        422,
      );
    });

    it('members and viewers cannot manage; other tenants get 404', async () => {
      const body = { name: 'x', kind: 'webhook', url: receiver.url('/x'), events: ['connector.*'] };
      expectProblem(
        await api.post(`/v1/workspaces/${team.workspaceId}/connectors`, body, {
          token: team.member.accessToken,
        }),
        403,
      );
      expectProblem(
        await api.post(`/v1/workspaces/${team.workspaceId}/connectors`, body, outsider()),
        404,
      );
      const hook = await createHook('/tenancy');
      expectProblem(await api.get(`/v1/connectors/${hook.id}`, outsider()), 404);
      expectProblem(await api.patch(`/v1/connectors/${hook.id}`, { name: 'y' }, outsider()), 404);
      expectProblem(await api.get(`/v1/connectors/${hook.id}/deliveries`, outsider()), 404);
      expectProblem(await api.patch(`/v1/connectors/${hook.id}`, { name: 'y' }, viewer()), 403);
      expectProblem(
        await api.post(
          `/v1/connectors/${hook.id}/rotate-secret`,
          {},
          { token: team.member.accessToken },
        ),
        403,
      );
    });

    it('updates with If-Match (412 when stale) and deletes', async () => {
      const hook = await createHook('/update');
      const ok = await api.patch(
        `/v1/connectors/${hook.id}`,
        { name: 'Renamed', events: ['connector.deleted'] },
        { ...admin(), headers: { 'if-match': '"1"' } },
      );
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ name: 'Renamed', events: ['connector.deleted'], version: 2 });
      expect(ok.headers.get('etag')).toBe('"2"');
      const stale = await api.patch(
        `/v1/connectors/${hook.id}`,
        { name: 'Again' },
        { ...admin(), headers: { 'if-match': '"1"' } },
      );
      expectProblem(stale, 412);
      expectProblem(
        await api.patch(`/v1/connectors/${hook.id}`, { url: 'http://169.254.169.254/' }, admin()),
        422,
      );
      expectProblem(
        await api.delete(`/v1/connectors/${hook.id}`, {
          ...admin(),
          headers: { 'if-match': '"1"' },
        }),
        412,
      );
      expect(
        (
          await api.delete(`/v1/connectors/${hook.id}`, {
            ...admin(),
            headers: { 'if-match': '"2"' },
          })
        ).status,
      ).toBe(204);
      expectProblem(await api.get(`/v1/connectors/${hook.id}`, admin()), 404);
    });
  });

  describe('delivery', () => {
    it('delivers committed events signed per Standard Webhooks, verified by the standardwebhooks package', async () => {
      const hook = await createHook('/signed');
      expect((await touch(hook.id, 'Signed change')).status).toBe(200);
      const [got] = await eventually(
        () => receiver.at('/signed').length > 0 && receiver.at('/signed'),
      );
      const headers = {
        'webhook-id': String(got.headers['webhook-id']),
        'webhook-timestamp': String(got.headers['webhook-timestamp']),
        'webhook-signature': String(got.headers['webhook-signature']),
      };
      const payload = new Webhook(hook.secret).verify(got.body, headers) as {
        type: string;
        data: Record<string, unknown>;
      };
      expect(payload.type).toBe('connector.updated');
      expect(payload.data).toMatchObject({
        entityType: 'connector',
        entityId: hook.id,
        actor: { type: 'user', id: team.admin.id },
        changes: { description: { from: null, to: 'Signed change' } },
      });
      expect(headers['webhook-id']).toBe(payload.data.id);
      const [delivery] = await eventually(async () => {
        const list = await deliveriesOf(hook.id, 'succeeded');
        return list.length === 1 && list;
      });
      expect(delivery).toMatchObject({
        eventId: headers['webhook-id'],
        eventType: 'connector.updated',
        attemptCount: 1,
      });
      const detail = await api.get(`/v1/deliveries/${delivery.id}`, viewer());
      expect(detail.status).toBe(200);
      expect(detail.body.attempts).toEqual([
        expect.objectContaining({
          statusCode: 200,
          errorClass: null,
          responseBody: 'answer 200',
          latencyMs: expect.any(Number),
        }),
      ]);
      expectProblem(await api.get(`/v1/deliveries/${delivery.id}`, outsider()), 404);
      expectProblem(
        await api.post(`/v1/deliveries/${delivery.id}/retry`, {}, admin()),
        409,
        'delivery-succeeded',
      );
      const health = (await api.get(`/v1/connectors/${hook.id}`, viewer())).body.health;
      expect(health).toMatchObject({
        state: 'closed',
        successRate24h: 1,
        lastSuccessAt: expect.any(String),
      });
    });

    it('a change that did not commit sends nothing', async () => {
      const hook = await createHook('/rolled-back');
      // Refused inside the unit of work (422): no event, nothing to send.
      expectProblem(
        await api.patch(
          `/v1/connectors/${hook.id}`,
          { description: 'refused', url: 'http://0.0.0.0:1/' },
          admin(),
        ),
        422,
      );
      // A later committed event proves the pipeline ran past the failed request.
      await touch(hook.id, 'after the failure');
      await eventually(() => receiver.at('/rolled-back').length === 1);
      const bodies = receiver
        .at('/rolled-back')
        .map((r) => JSON.parse(r.body) as { data: { changes: unknown } });
      expect(bodies).toHaveLength(1);
      expect(JSON.stringify(bodies[0])).toContain('after the failure');
      expect(JSON.stringify(bodies[0])).not.toContain('refused');
      expect(await deliveriesOf(hook.id)).toHaveLength(1);
    });

    it('retries on failure, dead-letters after the schedule, and retries by hand with the same webhook-id', async () => {
      receiver.respond = (path) => ({ status: path === '/flaky' ? 500 : 200 });
      const hook = await createHook('/flaky');
      await touch(hook.id, 'flaky');
      const [dead] = await eventually(async () => {
        const list = await deliveriesOf(hook.id, 'dead');
        return list.length === 1 && list;
      }, 20_000);
      expect(dead.attemptCount).toBe(3);
      const ids = new Set(receiver.at('/flaky').map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);
      const detail = (await api.get(`/v1/deliveries/${dead.id}`, viewer())).body;
      expect(
        detail.attempts.map((a: { statusCode: number; errorClass: string }) => [
          a.statusCode,
          a.errorClass,
        ]),
      ).toEqual([
        [500, 'http_error'],
        [500, 'http_error'],
        [500, 'http_error'],
      ]);
      receiver.respond = () => ({ status: 200 });
      expectProblem(await api.post(`/v1/deliveries/${dead.id}/retry`, {}, viewer()), 403);
      const retried = await api.post(`/v1/deliveries/${dead.id}/retry`, {}, admin());
      expect(retried.status).toBe(202);
      expect(retried.body.status).toBe('pending');
      await eventually(async () => (await deliveriesOf(hook.id, 'succeeded')).length === 1);
      expect(new Set(receiver.at('/flaky').map((r) => r.headers['webhook-id']))).toEqual(ids);
    });

    it('410 Gone disables the connector and records connector.disabled', async () => {
      receiver.respond = (path) => ({ status: path === '/gone' ? 410 : 200 });
      const hook = await createHook('/gone');
      await touch(hook.id, 'gone');
      const disabled = await eventually(async () => {
        const c = (await api.get(`/v1/connectors/${hook.id}`, viewer())).body;
        return c.enabled === false && c;
      });
      expect(disabled.health.state).toBe('disabled');
      expect(await deliveriesOf(hook.id, 'dead')).toHaveLength(1);
      const audit = await api.get(
        `/v1/workspaces/${team.workspaceId}/audit-events?action=connector.disabled&entityId=${hook.id}`,
        { token: team.owner.accessToken },
      );
      expect(audit.body.data).toHaveLength(1);
      // Events committed while disabled are never queued, even after re-enabling.
      await touch(hook.id, 'while disabled');
      receiver.respond = () => ({ status: 200 });
      const enabled = await api.patch(`/v1/connectors/${hook.id}`, { enabled: true }, admin());
      expect(enabled.body).toMatchObject({ enabled: true, health: { state: 'closed' } });
      await touch(hook.id, 'after re-enable');
      await eventually(() => receiver.at('/gone').some((r) => r.body.includes('after re-enable')));
      const sent = receiver.at('/gone').map((r) => r.body);
      // (later events may mention it as a previous value: only its own event must be absent)
      expect(sent.some((b) => b.includes('"to":"while disabled"'))).toBe(false);
      expect(sent.some((b) => b.includes('"to":"after re-enable"'))).toBe(true);
    });

    it('rotates the secret: during the grace period both secrets verify', async () => {
      const hook = await createHook('/rotate');
      const rotated = await api.post(`/v1/connectors/${hook.id}/rotate-secret`, {}, admin());
      expect(rotated.status).toBe(200);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(hook.secret);
      expect(rotated.body.previousSecretExpiresAt).toEqual(expect.any(String));
      await touch(hook.id, 'rotated');
      const [got] = await eventually(
        () => receiver.at('/rotate').length > 0 && receiver.at('/rotate'),
      );
      const headers = {
        'webhook-id': String(got.headers['webhook-id']),
        'webhook-timestamp': String(got.headers['webhook-timestamp']),
        'webhook-signature': String(got.headers['webhook-signature']),
      };
      expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
      expect(new Webhook(hook.secret).verify(got.body, headers)).toBeTruthy();
      expect(new Webhook(rotated.body.secret).verify(got.body, headers)).toBeTruthy();
      const audit = await api.get(
        `/v1/workspaces/${team.workspaceId}/audit-events?entityId=${hook.id}`,
        {
          token: team.owner.accessToken,
        },
      );
      expect(audit.text).not.toContain(rotated.body.secret.slice(6));
      expect(audit.text).not.toContain(hook.secret.slice(6));
    });

    it('test sends a connector.ping', async () => {
      const hook = await createHook('/ping');
      const res = await api.post(`/v1/connectors/${hook.id}/test`, {}, admin());
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ eventType: 'connector.ping', status: 'pending' });
      const [got] = await eventually(() => receiver.at('/ping').length > 0 && receiver.at('/ping'));
      expect(JSON.parse(got.body).type).toBe('connector.ping');
      expect(
        new Webhook(hook.secret).verify(got.body, {
          'webhook-id': String(got.headers['webhook-id']),
          'webhook-timestamp': String(got.headers['webhook-timestamp']),
          'webhook-signature': String(got.headers['webhook-signature']),
        }),
      ).toBeTruthy();
      expectProblem(await api.post(`/v1/connectors/${hook.id}/test`, {}, outsider()), 404);
    });

    it('replays a time range with the original webhook-ids; bad ranges are 422', async () => {
      const hook = await createHook('/replay');
      const from = new Date().toISOString();
      await touch(hook.id, 'replay one');
      await touch(hook.id, 'replay two');
      await eventually(() => receiver.at('/replay').length === 2);
      const to = new Date(Date.now() + 1000).toISOString();
      const first = new Set(receiver.at('/replay').map((r) => r.headers['webhook-id']));
      const res = await api.post(`/v1/connectors/${hook.id}/replay`, { from, to }, admin());
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ count: 2 });
      await eventually(() => receiver.at('/replay').length === 4);
      expect(new Set(receiver.at('/replay').map((r) => r.headers['webhook-id']))).toEqual(first);
      expectProblem(
        await api.post(`/v1/connectors/${hook.id}/replay`, { from: to, to: from }, admin()),
        422,
      );
      expectProblem(
        await api.post(`/v1/connectors/${hook.id}/replay`, { from: 'yesterday', to }, admin()),
        422,
      );
      expectProblem(
        await api.post(`/v1/connectors/${hook.id}/replay`, { from, to }, viewer()),
        403,
      );
    });

    it('lists deliveries by status with cursors; a bad status is 422', async () => {
      const hook = await createHook('/paged');
      await touch(hook.id, 'p1');
      await touch(hook.id, 'p2');
      await eventually(async () => (await deliveriesOf(hook.id, 'succeeded')).length === 2);
      const page1 = await api.get(`/v1/connectors/${hook.id}/deliveries?limit=1`, viewer());
      expect(page1.body.data).toHaveLength(1);
      const page2 = await api.get(
        `/v1/connectors/${hook.id}/deliveries?limit=1&cursor=${page1.body.nextCursor}`,
        viewer(),
      );
      expect(page2.body.data).toHaveLength(1);
      expect(page2.body.data[0].id).not.toBe(page1.body.data[0].id);
      expect(await deliveriesOf(hook.id, 'dead')).toEqual([]);
      expectProblem(
        await api.get(`/v1/connectors/${hook.id}/deliveries?status=lost`, viewer()),
        422,
      );
    });
  });
});
