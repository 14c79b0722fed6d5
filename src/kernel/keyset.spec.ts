import { ProblemException } from '../common/problem.js';
import { defineKeyset, setCursorSigningKey } from './keyset.js';

interface Row {
  id: string;
  at: string;
}

const keys = (direction: 'ASC' | 'DESC') => [
  { column: 't.at', direction, type: 'timestamptz', value: (r: Row) => r.at },
  { column: 't.id', direction, type: 'uuid', value: (r: Row) => r.id },
];
const rows: Row[] = [
  { id: 'a', at: '2026-01-01T00:00:00.000Z' },
  { id: 'b', at: '2026-01-02T00:00:00.000Z' },
  { id: 'c', at: '2026-01-03T00:00:00.000Z' },
];

describe('defineKeyset', () => {
  beforeAll(() => setCursorSigningKey('spec-key'));

  it('cuts a page and continues after its last row', () => {
    const list = defineKeyset<Row>('spec.a', keys('ASC'));
    const page = list.page(rows, 2, (r) => r.id);
    expect(page.data).toEqual(['a', 'b']);
    const params: unknown[] = ['ws'];
    expect(list.after(page.nextCursor!, params)).toBe('(t.at, t.id) > ($2::timestamptz, $3::uuid)');
    expect(params).toEqual(['ws', rows[1].at, 'b']);
    expect(list.page(rows.slice(0, 2), 2, (r) => r.id).nextCursor).toBeNull();
    expect(list.after(undefined, [])).toBe('TRUE');
  });

  it('refuses a cursor of another list, of another sort order, or tampered with (400)', () => {
    const a = defineKeyset<Row>('spec.a', keys('ASC'));
    const cursor = a.page(rows, 1, (r) => r.id).nextCursor!;
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        return err instanceof ProblemException ? `${err.status} ${err.kind.code}` : String(err);
      }
      return 'accepted';
    };
    expect(code(() => defineKeyset<Row>('spec.b', keys('ASC')).after(cursor, []))).toBe(
      '400 invalid-cursor',
    );
    expect(code(() => defineKeyset<Row>('spec.a', keys('DESC')).after(cursor, []))).toBe(
      '400 invalid-cursor',
    );
    const [payload, mac] = cursor.split('.');
    const forged = `${Buffer.from('["x","y"]').toString('base64url')}.${mac}`;
    expect(code(() => a.after(forged, []))).toBe('400 invalid-cursor');
    expect(code(() => a.after(`${payload}.${mac}.extra`, []))).toBe('400 invalid-cursor');
    expect(code(() => a.after('garbage', []))).toBe('400 invalid-cursor');
  });

  it('fetches a page: conditions, continuation, order and limit + 1 in one statement', async () => {
    const list = defineKeyset<Row>('spec.fetch', keys('DESC'));
    const sent: Array<{ sql: string; params: unknown[] }> = [];
    const db = {
      query: <T>(sql: string, params: unknown[] = []) => {
        sent.push({ sql, params });
        return Promise.resolve([...rows].reverse() as T[]);
      },
    };
    const spec = { select: 'SELECT * FROM t', where: 't.ws = $1', params: ['ws'], limit: 2 };
    const first = await list.fetch(db, spec, (r) => r.id);
    expect(first.data).toEqual(['c', 'b']);
    expect(sent[0]).toEqual({
      sql: 'SELECT * FROM t WHERE (t.ws = $1) AND TRUE ORDER BY t.at DESC, t.id DESC LIMIT 3',
      params: ['ws'],
    });
    await list.fetch(db, { ...spec, cursor: first.nextCursor! }, (r) => r.id);
    expect(sent[1].sql).toContain('AND (t.at, t.id) < ($2::timestamptz, $3::uuid) ORDER BY');
    expect(sent[1].params).toEqual(['ws', rows[1].at, 'b']);
    // The caller's parameter list is not modified.
    expect(spec.params).toEqual(['ws']);
    await expect(list.fetch(db, { ...spec, cursor: 'garbage' }, (r) => r.id)).rejects.toThrow(
      ProblemException,
    );
  });
});
