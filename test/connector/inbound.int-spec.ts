import { Global, Injectable, Module } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { ConnectorModule } from '../../src/connector/connector.module.js';
import { ConnectorsService } from '../../src/connector/connectors.service.js';
import { InboundService } from '../../src/connector/inbound.service.js';
import { newId } from '../../src/database/uuid.js';
import { defineEvents, WorkspaceUnitOfWork, type Actor } from '../../src/kernel/index.js';
import { CommonProblems, ProblemException } from '../../src/common/problem.js';
import { bootHarness, type Harness, type SeededWorkspace } from '../support/harness.js';
import { describeOnPostgres } from '../support/db.js';
import { createPrivateDatabase, type PrivateDatabase } from './private-database.js';

const SpecReminderEvents = defineEvents('spec_reminder', {
  created: { description: 'A reminder was created (spec stand-in for the reminders module).' },
});

/**
 * A stand-in for the reminders module, registered the way the real one plugs in: a provider
 * named RemindersService. It writes through the unit of work as the actor it is given.
 */
@Injectable()
class SpecRemindersService {
  constructor(private readonly uow: WorkspaceUnitOfWork) {}
  create(actor: Actor, workspaceId: string, dto: { title?: unknown }): Promise<{ id: string }> {
    return this.uow.write(actor, { workspaceId }, 'member', async (s) => {
      if (typeof dto.title !== 'string') {
        throw CommonProblems.validationFailed('title: title must be a string', {
          errors: [{ field: 'title', message: 'title must be a string' }],
        });
      }
      const id = newId();
      s.record(SpecReminderEvents.created, id, { title: { from: null, to: dto.title } });
      return { id };
    });
  }
}

@Global()
@Module({
  providers: [
    SpecRemindersService,
    { provide: 'RemindersService', useExisting: SpecRemindersService },
  ],
  exports: ['RemindersService'],
})
class SpecRemindersModule {}

/** Small enough to reach in a spec; the tests on `hook` stay below it. */
const INBOUND_LIMIT = 10;

describeOnPostgres('inbound hooks (real PostgreSQL)', () => {
  let h: Harness;
  let ws: SeededWorkspace;
  let other: SeededWorkspace;
  let privateDb: PrivateDatabase;
  let hook: { id: string; secret: string };

  beforeAll(async () => {
    privateDb = await createPrivateDatabase('inbound');
    h = await bootHarness({
      imports: [SpecRemindersModule, ConnectorModule],
      env: {
        CONNECTOR_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
        DATABASE_URL: privateDb.url,
        INBOUND_RATE_LIMIT_PER_MINUTE: String(INBOUND_LIMIT),
      },
    });
    ws = await h.seedWorkspace(['owner']);
    other = await h.seedWorkspace(['owner']);
    hook = await h.get(ConnectorsService).create(ws.users[0].actor, ws.workspaceId, {
      name: 'reminders in',
      kind: 'inbound',
      mapping: { target: 'reminder', expression: '{"title": subject}' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await privateDb?.drop();
  });

  const signed = (id: string, payload: unknown, at = new Date()) => {
    const raw = Buffer.from(JSON.stringify(payload));
    return {
      raw,
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(hook.secret).sign(id, at, raw),
      },
    };
  };
  const receive = (id: string, payload: unknown, at?: Date) => {
    const r = signed(id, payload, at);
    return h.get(InboundService).receive(hook.id, r.headers, r.raw);
  };
  const effects = async () =>
    h.query<{ actor_id: string; workspace_id: string }>(
      `SELECT actor_id, workspace_id FROM audit_events WHERE action = 'spec_reminder.created'`,
    );

  it("creates through the target as system:connector:<id>, in the connector's workspace", async () => {
    const res = await receive('in-1', { subject: 'Call back' });
    expect(res.status).toBe(202);
    expect(res.body.entityId).toEqual(expect.any(String));
    expect(await effects()).toEqual([
      { actor_id: `connector:${hook.id}`, workspace_id: ws.workspaceId },
    ]);
    const [stored] = await h.query<{ result: string; entity_id: string; verified: boolean }>(
      'SELECT result, entity_id, verified FROM inbound_events WHERE delivery_id = $1',
      ['in-1'],
    );
    expect(stored).toEqual({ result: 'created', entity_id: res.body.entityId, verified: true });
  });

  it('a delivery id received twice at once has one effect', async () => {
    const before = (await effects()).length;
    const results = await Promise.allSettled([
      receive('in-race', { subject: 'Once' }),
      receive('in-race', { subject: 'Once' }),
      receive('in-race', { subject: 'Once' }),
    ]);
    const statuses = results
      .map((r) => (r.status === 'fulfilled' ? r.value.status : 'rejected'))
      .sort();
    expect(statuses).toEqual([200, 200, 202]);
    expect((await effects()).length).toBe(before + 1);
  });

  it('a stale timestamp is refused (401) and stored as rejected, with no effect', async () => {
    const before = (await effects()).length;
    await expect(
      receive('in-stale', { subject: 'Late' }, new Date(Date.now() - 10 * 60_000)),
    ).rejects.toMatchObject({
      kind: { status: 401 },
    });
    expect((await effects()).length).toBe(before);
  });

  it('a target failure is a 422 stored as failed, with no effect', async () => {
    const before = (await effects()).length;
    const err = await receive('in-bad', { nothing: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProblemException);
    expect((err as ProblemException).status).toBe(422);
    expect((await effects()).length).toBe(before);
    const [stored] = await h.query<{ result: string }>(
      'SELECT result FROM inbound_events WHERE delivery_id = $1',
      ['in-bad'],
    );
    expect(stored.result).toBe('failed');
  });

  it("another workspace never sees the connector's inbound events", async () => {
    await expect(
      h.get(ConnectorsService).listInboundEvents(other.users[0].actor, hook.id, {}),
    ).rejects.toMatchObject({ kind: { status: 404 } });
    const mine = await h.get(ConnectorsService).listInboundEvents(ws.users[0].actor, hook.id, {});
    expect(mine.data.length).toBeGreaterThan(0);
  });

  // Last: it moves the harness clock a minute on.
  it("a hook's rate limit window ends when the kernel clock moves a minute on", async () => {
    const flooded = await h.get(ConnectorsService).create(ws.users[0].actor, ws.workspaceId, {
      name: 'flooded',
      kind: 'inbound',
      mapping: { target: 'reminder', expression: '{"title": subject}' },
    });
    // Unsigned requests: counted, then refused by the signature check (401).
    const knock = (n: number) =>
      h
        .get(InboundService)
        .receive(flooded.id, { 'webhook-id': `flood-${n}` }, Buffer.from('{}'))
        .then(
          (r) => r.status,
          (e: unknown) => (e instanceof ProblemException ? e : Promise.reject(e)),
        );
    for (let n = 0; n < INBOUND_LIMIT; n++) {
      expect(await knock(n)).toMatchObject({ status: 401 });
    }
    const over = await knock(INBOUND_LIMIT);
    expect(over).toMatchObject({ status: 429, extras: { headers: { 'Retry-After': '60' } } });
    // The other hook has a limit of its own.
    expect((await receive('in-after-flood', { subject: 'Still open' })).status).toBe(202);

    h.clock.advance(59_000);
    expect(await knock(INBOUND_LIMIT + 1)).toMatchObject({
      status: 429,
      extras: { headers: { 'Retry-After': '1' } },
    });
    h.clock.advance(1_000);
    expect(await knock(INBOUND_LIMIT + 2)).toMatchObject({ status: 401 });
  });
});
