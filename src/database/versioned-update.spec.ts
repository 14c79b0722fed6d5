import { DataSource, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { BoardColumnEntity } from '../board/entities/board-column.entity.js';
import { BoardEntity } from '../board/entities/board.entity.js';
import { CardEntity } from '../board/entities/card.entity.js';
import { ConnectorEntity } from '../connector/entities/connector.entity.js';
import { UserEntity } from '../identity/user.entity.js';
import { WorkspaceEntity } from '../identity/workspace.entity.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';
import { versionedUpdateStatement } from './versioned-update.js';

/**
 * The compiled statement of `updateVersioned` must be exactly what TypeORM's query builder
 * builds for the same call (text and parameters): the same semantics, and the same text the
 * bench's baseline server sends.
 */
describe('versionedUpdateStatement', () => {
  let em: EntityManager;

  beforeAll(async () => {
    // Metadata only: nothing connects.
    const dataSource = new DataSource({
      type: 'postgres',
      url: 'postgres://nobody@127.0.0.1:1/none',
      namingStrategy: new SnakeNamingStrategy(),
      entities: [
        CardEntity,
        BoardEntity,
        BoardColumnEntity,
        WorkspaceEntity,
        UserEntity,
        ConnectorEntity,
      ],
    });
    await (dataSource as unknown as { buildMetadatas(): Promise<void> }).buildMetadatas();
    em = dataSource.manager;
  });

  const builder = <T extends ObjectLiteral>(
    entity: EntityTarget<T>,
    id: string,
    version: number,
    values: Record<string, unknown>,
  ) => {
    const [sql, params] = em
      .createQueryBuilder()
      .update(entity)
      .set({ ...values, version: () => 'version + 1', updatedAt: () => 'now()' } as never)
      .where('id = :id AND version = :version', { id, version })
      .getQueryAndParameters();
    return { sql, params };
  };

  const id = '01938f3e-0000-7000-8000-000000000001';

  it.each<[string, EntityTarget<ObjectLiteral>, Record<string, unknown>]>([
    [
      'a move entering a done column (SQL expressions)',
      CardEntity,
      {
        columnId: '01938f3e-0000-7000-8000-000000000002',
        position: 'a1',
        columnEnteredAt: () => 'now()',
        doneFirstAt: () => 'COALESCE(done_first_at, now())',
        doneLastAt: () => 'now()',
      },
    ],
    [
      'a card edit (jsonb, timestamps, null, undefined skipped)',
      CardEntity,
      {
        title: 'T',
        description: undefined,
        dueAt: new Date('2026-01-02T03:04:05.678Z'),
        remindBefore: ['PT1H'],
        checklist: [{ text: 'a', done: false }],
      },
    ],
    ['archiving (an expression)', CardEntity, { archivedAt: () => 'now()' }],
    ['restoring (null)', CardEntity, { archivedAt: null }],
    [
      'a connector (text[], jsonb, boolean)',
      ConnectorEntity,
      { enabled: false, events: ['card.moved'], config: { a: 1 }, breakerOpenedAt: null },
    ],
    ['a column (integer, boolean)', BoardColumnEntity, { wipLimit: 3, isDone: true }],
  ])('%s: the query builder’s text and parameters', (_name, entity, values) => {
    expect(versionedUpdateStatement(em, entity, id, 7, values)).toEqual(
      builder(entity, id, 7, values),
    );
  });

  it('rewrites property and column names in an expression as the builder does', () => {
    const values = { doneLastAt: () => 'COALESCE(doneFirstAt, column_entered_at)' };
    const statement = versionedUpdateStatement(em, CardEntity, id, 1, values);
    expect(statement?.sql).toContain(
      '"done_last_at" = COALESCE("done_first_at", "column_entered_at")',
    );
    expect(statement).toEqual(builder(CardEntity, id, 1, values));
  });
});
