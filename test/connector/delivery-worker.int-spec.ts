import {
  defineEvents,
  FakeClock,
  FakeHttpClient,
  type OutboundResponse,
} from '../../src/kernel/index.js';
import { ConnectorModule } from '../../src/connector/connector.module.js';
import { ConnectorsService } from '../../src/connector/connectors.service.js';
import { DeliveryWorker } from '../../src/connector/delivery.worker.js';
import { bootHarness, type Harness, type SeededWorkspace } from '../support/harness.js';
import { describeOnPostgres } from '../support/db.js';
import { createPrivateDatabase, type PrivateDatabase } from './private-database.js';

/** A deliverable event of this spec's own, so that a subscription is valid without other modules. */
defineEvents('spec_widget', {
  made: { description: 'A widget was made (spec).', deliverable: true },
});

const T0 = new Date('2030-01-01T00:00:00Z');
const SECOND = 1000;

describeOnPostgres('delivery worker (fake clock and network, real PostgreSQL)', () => {
  let h: Harness;
  let ws: SeededWorkspace;
  let answer: (url: string) => OutboundResponse;
  let privateDb: PrivateDatabase;

  beforeAll(async () => {
    // Workers claim from every workspace: this spec gets a database of its own, so that it
    // neither takes nor is disturbed by the deliveries of specs running beside it.
    privateDb = await createPrivateDatabase('worker');
    h = await bootHarness({
      imports: [ConnectorModule],
      clock: new FakeClock(T0),
      http: new FakeHttpClient((req) => answer(req.url)),
      env: {
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        WEBHOOK_RETRY_SCHEDULE: '5,300',
        WEBHOOK_CONCURRENCY_PER_CONNECTOR: '4',
        WEBHOOK_DISABLE_AFTER_HOURS: '1',
        CONNECTOR_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
        DATABASE_URL: privateDb.url,
      },
    });
    ws = await h.seedWorkspace(['owner']);
  });
  afterAll(async () => {
    await h?.close();
    await privateDb?.drop();
  });
  beforeEach(() => {
    h.clock.set(T0);
    answer = () => ({ status: 200, headers: {}, body: 'ok' });
  });
  // Each case starts with no other connector able to send.
  afterEach(() => h.query('UPDATE connectors SET enabled = false'));

  const owner = () => ws.users[0].actor;
  const service = () => h.get(ConnectorsService);
  const worker = () => h.get(DeliveryWorker);
  let seq = 0;
  const hook = async () => {
    seq += 1;
    return service().create(owner(), ws.workspaceId, {
      name: `hook ${seq}`,
      kind: 'webhook',
      url: `http://127.0.0.1:9/hook-${seq}`,
      // These specs drive deliveries with connector.ping; any valid subscription will do.
      events: ['spec_widget.made'],
    });
  };
  const delivery = async (id: string) =>
    (
      await h.query<{ status: string; attempt_count: number; next_attempt_at: Date | null }>(
        'SELECT status, attempt_count, next_attempt_at FROM deliveries WHERE id = $1',
        [id],
      )
    )[0];
  const connector = async (id: string) =>
    (
      await h.query<{ breaker_state: string; enabled: boolean }>(
        'SELECT breaker_state, enabled FROM connectors WHERE id = $1',
        [id],
      )
    )[0];
  const callsTo = (url: string) => h.http.calls.filter((c) => c.url === url).length;

  it('retries on the configured schedule as the clock moves, then dead-letters', async () => {
    const c = await hook();
    answer = () => ({ status: 500, headers: {}, body: 'boom' });
    const d = await service().test(owner(), c.id);
    expect(await worker().runOnce()).toBe(1);
    let row = await delivery(d.id);
    expect(row.status).toBe('failed');
    const first = new Date(row.next_attempt_at as Date).getTime() - T0.getTime();
    expect(first).toBeGreaterThanOrEqual(4 * SECOND);
    expect(first).toBeLessThanOrEqual(6 * SECOND);
    expect(await worker().runOnce()).toBe(0); // not due yet
    h.clock.advance(6 * SECOND);
    expect(await worker().runOnce()).toBe(1);
    row = await delivery(d.id);
    const second = new Date(row.next_attempt_at as Date).getTime() - h.clock.nowMs();
    expect(second).toBeGreaterThanOrEqual(240 * SECOND);
    expect(second).toBeLessThanOrEqual(360 * SECOND);
    h.clock.advance(361 * SECOND);
    expect(await worker().runOnce()).toBe(1);
    row = await delivery(d.id);
    expect(row).toMatchObject({ status: 'dead', attempt_count: 3, next_attempt_at: null });
    h.clock.advance(3600 * SECOND);
    expect(await worker().runOnce()).toBe(0);
  });

  it('waits at least 60 s after a 429 but never more than twice the scheduled delay', async () => {
    const c = await hook();
    answer = () => ({ status: 429, headers: { 'retry-after': '120' }, body: '' });
    const d = await service().test(owner(), c.id);
    await worker().runOnce();
    const row = await delivery(d.id);
    // Scheduled 5 s: the 60 s floor and Retry-After are both capped at 2 x 5 s.
    expect(new Date(row.next_attempt_at as Date).getTime() - T0.getTime()).toBe(10 * SECOND);
  });

  it('caps attempts in flight per connector; a lease is never claimed twice until it expires', async () => {
    const c = await hook();
    const ids = [];
    for (let i = 0; i < 6; i += 1) ids.push((await service().test(owner(), c.id)).id);
    const [x, y] = await Promise.all([worker().claim(50), worker().claim(50)]);
    const claimed = [...x, ...y].filter((d) => d.connectorId === c.id).map((d) => d.id);
    expect(claimed.length).toBeLessThanOrEqual(4);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect((await worker().claim(50)).filter((d) => d.connectorId === c.id)).toEqual([]);
    // The leases expire (timeout + margin): another worker may take them again.
    h.clock.advance(60 * SECOND);
    const again = await worker().claim(50);
    expect(again.filter((d) => d.connectorId === c.id).length).toBe(4);
    const stale = x.find((d) => d.connectorId === c.id) ?? y.find((d) => d.connectorId === c.id);
    // The stale worker's result does not overwrite the new lease's delivery state.
    if (stale) await worker().attempt(stale);
    expect((await delivery(stale!.id)).status).toBe('pending');
    for (const d of again) await worker().attempt(d);
    await worker().runOnce();
    for (const id of ids) expect((await delivery(id)).status).toBe('succeeded');
  });

  it('opens the breaker after >= 10 attempts in 5 min with >= 70 % failed, probes once, closes on success', async () => {
    const c = await hook();
    const url = `http://127.0.0.1:9/hook-${seq}`;
    answer = (u) => ({ status: u === url ? 503 : 200, headers: {}, body: '' });
    for (let i = 0; i < 10; i += 1) await service().test(owner(), c.id);
    while ((await worker().runOnce()) > 0) {
      // 4 per round (the cap) until all 10 were tried once
    }
    expect(callsTo(url)).toBe(10);
    expect((await connector(c.id)).breaker_state).toBe('open');
    // Retries are due after ~5 s, but the breaker holds them until the cool-down (60 s).
    h.clock.advance(10 * SECOND);
    expect(await worker().runOnce()).toBe(0);
    h.clock.advance(50 * SECOND);
    answer = () => ({ status: 200, headers: {}, body: '' });
    expect(await worker().runOnce()).toBe(1); // the probe
    expect((await connector(c.id)).breaker_state).toBe('closed');
    expect(await worker().runOnce()).toBe(4);
  });

  it('a failed probe re-opens; failing continuously for the configured period disables and records connector.disabled', async () => {
    const c = await hook();
    answer = () => ({ status: 500, headers: {}, body: '' });
    for (let i = 0; i < 10; i += 1) await service().test(owner(), c.id);
    while ((await worker().runOnce()) > 0) {
      // drain the first attempts
    }
    expect((await connector(c.id)).breaker_state).toBe('open');
    h.clock.advance(61 * SECOND);
    expect(await worker().runOnce()).toBe(1);
    expect(await connector(c.id)).toEqual({ breaker_state: 'open', enabled: true });
    h.clock.advance(3600 * SECOND);
    expect(await worker().runOnce()).toBe(1);
    expect((await connector(c.id)).enabled).toBe(false);
    const events = await h.query<{ action: string; actor_id: string }>(
      `SELECT action, actor_id FROM audit_events WHERE entity_id = $1 AND action = 'connector.disabled'`,
      [c.id],
    );
    expect(events).toEqual([{ action: 'connector.disabled', actor_id: 'connectors' }]);
    h.clock.advance(3600 * SECOND);
    expect(await worker().runOnce()).toBe(0); // disabled: nothing is sent
  });

  it('a target that resolves to a refused address fails with ssrf_blocked, without a request', async () => {
    const c = await hook();
    await h.query(`UPDATE connectors SET url = 'http://169.254.169.254/latest' WHERE id = $1`, [
      c.id,
    ]);
    const before = h.http.calls.length;
    const d = await service().test(owner(), c.id);
    await worker().runOnce();
    expect(h.http.calls.length).toBe(before);
    const [attempt] = await h.query<{ error_class: string; status_code: number | null }>(
      'SELECT error_class, status_code FROM delivery_attempts WHERE delivery_id = $1',
      [d.id],
    );
    expect(attempt).toEqual({ error_class: 'ssrf_blocked', status_code: null });
  });

  it('410 Gone dead-letters the delivery and disables the connector', async () => {
    const c = await hook();
    answer = () => ({ status: 410, headers: {}, body: 'gone' });
    const d = await service().test(owner(), c.id);
    await worker().runOnce();
    expect((await delivery(d.id)).status).toBe('dead');
    expect((await connector(c.id)).enabled).toBe(false);
  });
});
