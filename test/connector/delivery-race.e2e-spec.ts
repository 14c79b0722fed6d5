import { Webhook } from 'standardwebhooks';
import { startApp, type TestApp } from '../support/app.js';
import { describeOnPostgres } from '../support/db.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, type Client } from '../support/http.js';
import { eventually, Receiver } from './receiver.js';

const ENV = {
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  WEBHOOK_RETRY_SCHEDULE: '1,1',
  WEBHOOK_POLL_INTERVAL_MS: '20',
  OUTBOX_POLL_INTERVAL_MS: '20',
  WEBHOOK_TIMEOUT_MS: '2000',
  // Every instance of a deployment shares the key that seals the secrets.
  CONNECTOR_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
};
const NOTES = 60;
const HOOKS = 3;

describeOnPostgres('delivery workers in several instances', () => {
  let a: TestApp;
  let b: TestApp;
  let api: Client;
  let team: Team;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    [a, b] = await Promise.all([startApp(ENV), startApp(ENV)]);
    api = client(a);
    team = await createTeam(api);
    const t = await api.post(
      `/v1/workspaces/${team.workspaceId}/connectors`,
      {
        name: 'trigger',
        kind: 'inbound',
        mapping: { target: 'note', expression: '{"title": title}' },
      },
      { token: team.admin.accessToken },
    );
    trigger = t.body.id;
  });
  afterAll(async () => {
    await Promise.all([a.stop(), b.stop()]);
    await receiver.stop();
  });

  let trigger: string;
  /** n committed events: `connector.updated` of a trigger connector that delivers nowhere. */
  const createNotes = async (prefix: string, n: number) => {
    for (let i = 0; i < n; i += 1) {
      const res = await api.patch(
        `/v1/connectors/${trigger}`,
        { description: `${prefix} ${i}` },
        { token: team.admin.accessToken },
      );
      expect(res.status).toBe(200);
    }
  };

  it('two instances never send the same delivery twice; every committed event arrives once', async () => {
    const hooks = [];
    for (let h = 0; h < HOOKS; h += 1) {
      const res = await api.post(
        `/v1/workspaces/${team.workspaceId}/connectors`,
        {
          name: `race ${h}`,
          kind: 'webhook',
          url: receiver.url(`/race/${h}`),
          events: ['connector.updated'],
        },
        { token: team.admin.accessToken },
      );
      hooks.push(res.body as { id: string; secret: string });
    }
    await createNotes('race', NOTES);
    await eventually(
      () => receiver.received.filter((r) => r.path.startsWith('/race/')).length >= NOTES * HOOKS,
      30_000,
    );
    // Give a duplicate (if any) time to show up.
    await new Promise((r) => setTimeout(r, 500));
    for (const [h, hook] of hooks.entries()) {
      const got = receiver.at(`/race/${h}`);
      const ids = got.map((r) => String(r.headers['webhook-id']));
      expect(new Set(ids).size).toBe(NOTES);
      expect(ids).toHaveLength(NOTES);
      for (const r of got) {
        expect(() =>
          new Webhook(hook.secret).verify(r.body, {
            'webhook-id': String(r.headers['webhook-id']),
            'webhook-timestamp': String(r.headers['webhook-timestamp']),
            'webhook-signature': String(r.headers['webhook-signature']),
          }),
        ).not.toThrow();
      }
    }
    // Both instances took part (the claim is shared, not pinned to the creator).
    const logs = [a.output(), b.output()];
    expect(logs.every((l) => !l.includes('delivery claim failed'))).toBe(true);
  });

  it('an instance killed mid-run loses nothing (at least once, de-duplicable by webhook-id)', async () => {
    const res = await api.post(
      `/v1/workspaces/${team.workspaceId}/connectors`,
      {
        name: 'crash',
        kind: 'webhook',
        url: receiver.url('/crash'),
        events: ['connector.updated'],
      },
      { token: team.admin.accessToken },
    );
    expect(res.status).toBe(201);
    receiver.respond = (path) => ({ status: 200, delayMs: path === '/crash' ? 30 : 0 });
    const creating = createNotes('crash', NOTES);
    await eventually(() => receiver.at('/crash').length >= 5, 15_000, 5);
    await b.stop('SIGKILL');
    await creating;
    b = await startApp(ENV);
    // Leases of the killed instance expire (timeout + margin); the survivors deliver everything.
    await eventually(
      () => new Set(receiver.at('/crash').map((r) => r.headers['webhook-id'])).size === NOTES,
      60_000,
    );
    receiver.respond = () => ({ status: 200 });
  });
});
