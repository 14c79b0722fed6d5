import { ProblemException } from '../../src/common/problem.js';
import { newId } from '../../src/database/uuid.js';
import { SystemActors, type Actor } from '../../src/kernel/index.js';
import { RemindersModule } from '../../src/reminders/reminders.module.js';
import { RemindersService } from '../../src/reminders/reminders.service.js';
import { bootHarness, type Harness } from '../support/harness.js';

async function problemOf(p: Promise<unknown>): Promise<{ status: number; type: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProblemException) return { status: err.status, type: err.kind.code };
    throw err;
  }
  throw new Error('expected a problem');
}

const IN_A_YEAR_MS = 365 * 24 * 3_600_000;

/** The reminders service through the kernel's unit of work, in process: every kind of actor. */
describe('reminders on the unit of work (in process)', () => {
  let h: Harness;
  let reminders: RemindersService;

  beforeAll(async () => {
    h = await bootHarness({ imports: [RemindersModule] });
    reminders = h.get(RemindersService);
  });
  afterAll(() => h.close());

  async function seed() {
    const ws = await h.seedWorkspace(['owner', 'viewer']);
    const [owner, viewer] = ws.users;
    const reminder = await reminders.create(owner.actor, ws.workspaceId, {
      title: 'Renew the certificate',
      remindAt: new Date(Date.now() + IN_A_YEAR_MS).toISOString(),
    });
    return { ws, owner, viewer, reminder };
  }

  it('confines system actors to their workspace and reads the row the kernel loaded', async () => {
    const { ws, reminder } = await seed();
    const other = await h.seedWorkspace(['owner']);
    expect((await reminders.get(SystemActors.reminders, reminder.id)).title).toBe(
      'Renew the certificate',
    );
    const bound = SystemActors.connector(newId(), ws.workspaceId);
    expect((await reminders.get(bound, reminder.id)).id).toBe(reminder.id);
    const elsewhere = SystemActors.connector(newId(), other.workspaceId);
    expect((await problemOf(reminders.get(elsewhere, reminder.id))).status).toBe(404);
    expect((await problemOf(reminders.get(other.users[0].actor, reminder.id))).status).toBe(404);
    expect(
      (await problemOf(reminders.occurrences(other.users[0].actor, reminder.id, {}))).status,
    ).toBe(404);
  });

  it('answers 403 to a viewer writing and to an API token without the write scope', async () => {
    const { ws, owner, viewer, reminder } = await seed();
    expect((await problemOf(reminders.cancel(viewer.actor, reminder.id))).status).toBe(403);
    const readOnly: Actor = {
      type: 'token',
      userId: owner.userId,
      tokenId: newId(),
      scopes: ['read'],
    };
    const denied = await problemOf(
      reminders.update(readOnly, reminder.id, { title: 'Changed by a read-only token' }),
    );
    expect(denied.status).toBe(403);
    expect(denied.type).toBe('insufficient-scope');
    expect((await reminders.get(readOnly, reminder.id)).title).toBe('Renew the certificate');
    const rows = await h.query('SELECT title FROM reminders WHERE workspace_id = $1', [
      ws.workspaceId,
    ]);
    expect(rows).toEqual([{ title: 'Renew the certificate' }]);
  });

  it('refuses a cursor of another list (400 invalid-cursor)', async () => {
    const { ws, owner } = await seed();
    await reminders.create(owner.actor, ws.workspaceId, {
      title: 'Second',
      remindAt: new Date(Date.now() + 2 * IN_A_YEAR_MS).toISOString(),
    });
    const page = await reminders.list(owner.actor, ws.workspaceId, { limit: 1 });
    expect(page.nextCursor).not.toBeNull();
    const wrongList = await problemOf(
      reminders.upcoming(owner.actor, { cursor: page.nextCursor! }),
    );
    expect(wrongList).toEqual({ status: 400, type: 'invalid-cursor' });
    const next = await reminders.list(owner.actor, ws.workspaceId, {
      limit: 1,
      cursor: page.nextCursor!,
    });
    expect(next.data.map((r) => r.title)).toEqual(['Second']);
  });
});
