import { setCursorSigningKey, type WorkspaceScope } from '../kernel/index.js';
import {
  CardList,
  cardPageSql,
  listCardPage,
  neighbour,
  type CardListFilter,
  type CardSummaryRow,
} from './cards.queries.js';

const WORKSPACE = '00000000-0000-4000-8000-000000000001';
const BOARD = '00000000-0000-4000-8000-000000000002';
const COLUMN = '00000000-0000-4000-8000-000000000003';
const LABEL = '00000000-0000-4000-8000-000000000004';
const ASSIGNEE = '00000000-0000-4000-8000-000000000005';
const CURSOR_ROW = {
  columnPosition: 'a0',
  columnId: '00000000-0000-4000-8000-000000000006',
  position: 'a1',
  id: '00000000-0000-4000-8000-000000000007',
} as CardSummaryRow;
const DUE_BEFORE = new Date('2026-12-01T00:00:00Z');
const DUE_AFTER = new Date('2026-11-01T00:00:00Z');

const OPTIONAL = ['columnId', 'cursor', 'labelId', 'assigneeId', 'dueBefore', 'dueAfter', 'q'];

/** A scope of WORKSPACE that only records the prepared statements sent through it (no rows). */
function recordingScope() {
  const calls: Array<{ sql: string; params: unknown[] }> = [];
  const scope = {
    workspaceId: WORKSPACE,
    prepared: (_name: string, sql: string, params: unknown[]) => {
      calls.push({ sql, params });
      return Promise.resolve([]);
    },
  } as unknown as WorkspaceScope<unknown>;
  return { scope, calls };
}

/** The statement and parameters `listCardPage` sends. */
async function sent(filter: CardListFilter, cursor: string | undefined, limit = 50) {
  const { scope, calls } = recordingScope();
  await listCardPage(scope, filter, cursor, limit);
  expect(calls).toHaveLength(1);
  return calls[0];
}

/** The parameter a `<prefix> $n` in `sql` refers to (undefined when the text is absent). */
function paramAfter(sql: string, params: unknown[], prefix: string): unknown {
  const at = sql.indexOf(prefix);
  if (at < 0) return undefined;
  const n = /^\s*\$(\d+)/.exec(sql.slice(at + prefix.length));
  if (!n) throw new Error(`no placeholder after ${prefix}`);
  return params[Number(n[1]) - 1];
}

describe('listCardPage statement', () => {
  beforeAll(() => setCursorSigningKey('cards-queries-spec-signing-key'));

  it('numbers its parameters as it pushes them, for every combination of filters', async () => {
    const cursor = CardList.page([CURSOR_ROW, CURSOR_ROW], 1, (r) => r).nextCursor!;
    for (let mask = 0; mask < 1 << OPTIONAL.length; mask++) {
      for (const archived of [false, true]) {
        const on = (name: string) => (mask & (1 << OPTIONAL.indexOf(name))) !== 0;
        // An absent filter is left out, or (every other pass) sent empty: both mean "none".
        const none = archived ? '' : undefined;
        const filter: CardListFilter = {
          boardId: BOARD,
          archived,
          columnId: on('columnId') ? COLUMN : none,
          labelId: on('labelId') ? LABEL : none,
          assigneeId: on('assigneeId') ? ASSIGNEE : none,
          ...(on('dueBefore') ? { dueBefore: DUE_BEFORE } : {}),
          ...(on('dueAfter') ? { dueAfter: DUE_AFTER } : {}),
          q: on('q') ? '50%_off' : none,
        };
        const { sql, params } = await sent(filter, on('cursor') ? cursor : none);

        // Every parameter is used, and no placeholder points past them.
        const used = new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
        expect([...used].sort((a, b) => a - b)).toEqual(params.map((_, i) => i + 1));
        expect(params.slice(0, 2)).toEqual([WORKSPACE, BOARD]);
        // Each filter's condition reads its own value.
        expect(paramAfter(sql, params, 'AND col.id =')).toBe(on('columnId') ? COLUMN : undefined);
        expect(paramAfter(sql, params, 'cl.label_id =')).toBe(on('labelId') ? LABEL : undefined);
        expect(paramAfter(sql, params, 'ca.user_id =')).toBe(
          on('assigneeId') ? ASSIGNEE : undefined,
        );
        expect(paramAfter(sql, params, 'c.due_at <')).toBe(
          on('dueBefore') ? DUE_BEFORE : undefined,
        );
        expect(paramAfter(sql, params, 'c.due_at >=')).toBe(on('dueAfter') ? DUE_AFTER : undefined);
        expect(paramAfter(sql, params, 'c.title ILIKE')).toBe(
          on('q') ? '%50\\%\\_off%' : undefined,
        );
        // The cursor's four values, each where its key is compared: the column walk starts at
        // the cursor's column, which continues after its card; later columns from their start.
        const walk = /\(col\.position, col\.id\) >= \(\$(\d+)::text, \$(\d+)::uuid\)/.exec(sql);
        const within =
          /CASE WHEN col\.id = \$(\d+)::uuid THEN \$(\d+)::text ELSE '' END,\s+CASE WHEN col\.id = \$(\d+)::uuid THEN \$(\d+)::uuid ELSE/.exec(
            sql,
          );
        const values = (m: RegExpExecArray | null) => m?.slice(1).map((n) => params[Number(n) - 1]);
        const { columnPosition, columnId, position, id } = CURSOR_ROW;
        expect(values(walk)).toEqual(on('cursor') ? [columnPosition, columnId] : undefined);
        expect(values(within)).toEqual(
          on('cursor') ? [columnId, position, columnId, id] : undefined,
        );
        expect(sql).toContain(archived ? 'c.archived_at IS NOT NULL' : 'c.archived_at IS NULL');
      }
    }
  });

  it('sends the same text object for the same shape, and another for another page size', async () => {
    const filter: CardListFilter = { boardId: BOARD, archived: false, labelId: LABEL };
    const first = await sent(filter, undefined, 50);
    const again = await sent({ ...filter, labelId: ASSIGNEE }, undefined, 50);
    expect(again.sql).toBe(first.sql);
    expect(again.params).toEqual([WORKSPACE, BOARD, ASSIGNEE]);
    const other = await sent(filter, undefined, 20);
    expect(other.sql).not.toBe(first.sql);
    expect(other.sql).toContain('LIMIT 21');
    expect(first.sql).toContain('LIMIT 51');
  });

  it('is one text per shape', () => {
    const shape = {
      take: 51,
      archived: false,
      columnId: true,
      after: true,
      labelId: false,
      assigneeId: true,
      dueBefore: false,
      dueAfter: false,
      q: true,
    };
    expect(cardPageSql({ ...shape })).toBe(cardPageSql(shape));
    expect(cardPageSql({ ...shape, q: false })).not.toEqual(cardPageSql(shape));
  });
});

describe('neighbour statement', () => {
  it('reads the next card forwards and the previous one backwards, from a card or an end', async () => {
    const column = { boardId: BOARD, id: COLUMN };
    const from = { position: 'a5', id: CURSOR_ROW.id };
    const cases = [
      { side: 'next', from, op: '>', dir: 'ASC' },
      { side: 'next', from: null, op: null, dir: 'ASC' },
      { side: 'previous', from, op: '<', dir: 'DESC' },
      { side: 'previous', from: null, op: null, dir: 'DESC' },
    ] as const;
    const texts = new Set<string>();
    for (const c of cases) {
      const { scope, calls } = recordingScope();
      expect(await neighbour(scope, column, c.side, c.from, 'excluded')).toBeNull();
      expect(calls).toHaveLength(1);
      const [{ sql, params }] = calls;
      texts.add(sql);
      expect(sql).toContain(`ORDER BY position ${c.dir}, id ${c.dir}`);
      if (c.op) {
        expect(sql).toContain(`AND (position, id) ${c.op} ($5, $6::uuid)`);
        expect(params).toEqual([WORKSPACE, BOARD, COLUMN, 'excluded', 'a5', CURSOR_ROW.id]);
      } else {
        expect(sql).not.toContain('(position, id)');
        expect(params).toEqual([WORKSPACE, BOARD, COLUMN, 'excluded']);
      }
    }
    expect(texts.size).toBe(4);
  });
});
