import { ProblemException } from '../../src/common/problem.js';
import { BoardModule } from '../../src/board/board.module.js';
import { BoardsService } from '../../src/board/boards.service.js';
import { CardTarget } from '../../src/board/card-directory.service.js';
import { CardsService } from '../../src/board/cards.service.js';
import { newId } from '../../src/database/uuid.js';
import { SystemActors } from '../../src/kernel/actor.js';
import { WorkspaceUnitOfWork } from '../../src/kernel/unit-of-work.js';
import { bootHarness, type Harness } from '../support/harness.js';

async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ProblemException) return err.status;
    throw err;
  }
  throw new Error('expected a problem');
}

/** The board's services through the kernel, in process: system actors and other modules' door. */
describe('board services on the unit of work (in process)', () => {
  let h: Harness;
  let boards: BoardsService;
  let cards: CardsService;
  let uow: WorkspaceUnitOfWork;

  beforeAll(async () => {
    h = await bootHarness({ imports: [BoardModule] });
    boards = h.get(BoardsService);
    cards = h.get(CardsService);
    uow = h.get(WorkspaceUnitOfWork);
  });
  afterAll(() => h.close());

  async function seedCard() {
    const ws = await h.seedWorkspace(['member']);
    const actor = ws.users[0].actor;
    const board = await boards.create(actor, ws.workspaceId, { name: 'B' });
    const card = await cards.create(actor, board.id, {
      title: 'Pay rent',
      dueAt: '2030-01-01T09:00:00.000Z',
    });
    return { ws, actor, board, card };
  }

  it('lets system actors read cards through the same door, confined to their workspace', async () => {
    const { ws, card } = await seedCard();
    const other = await h.seedWorkspace(['owner']);
    expect((await cards.get(SystemActors.reminders, card.id)).dueAt).toBe(
      '2030-01-01T09:00:00.000Z',
    );
    expect((await cards.get(SystemActors.connector(newId(), ws.workspaceId), card.id)).id).toBe(
      card.id,
    );
    expect(
      await statusOf(cards.get(SystemActors.connector(newId(), other.workspaceId), card.id)),
    ).toBe(404);
    expect(await statusOf(cards.get(other.users[0].actor, card.id))).toBe(404);
  });

  it('offers other modules CardTarget: the card and the role in one step, 404 elsewhere', async () => {
    const { ws, actor, card } = await seedCard();
    const other = await h.seedWorkspace(['owner']);
    const found = await uow.read(actor, CardTarget.ref(card.id), 'viewer', async (s) => ({
      workspaceId: s.workspaceId,
      row: s.row,
    }));
    expect(found).toEqual({
      workspaceId: ws.workspaceId,
      row: { id: card.id, boardId: card.boardId, title: 'Pay rent' },
    });
    const work = async () => 'seen';
    expect(
      await statusOf(uow.read(other.users[0].actor, CardTarget.ref(card.id), 'viewer', work)),
    ).toBe(404);
    expect(await statusOf(uow.read(actor, CardTarget.ref(newId()), 'viewer', work))).toBe(404);
  });
});
