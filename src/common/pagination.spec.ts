import { CursorCodec, keysetWhere, toPage, type KeysetKey } from './pagination.js';
import { ProblemException } from './problem.js';

describe('CursorCodec', () => {
  const codec = new CursorCodec('k1');

  it('round-trips the sort-key values', () => {
    const values = ['2026-01-01T00:00:00.000Z', 42, null, 'a"b'];
    expect(codec.decode(codec.encode(values), 4)).toEqual(values);
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['no mac', Buffer.from('["x"]').toString('base64url')],
    ['empty', ''],
  ])('refuses a %s cursor with invalid-cursor', (_, cursor) => {
    expect(() => codec.decode(cursor, 1)).toThrow(ProblemException);
  });

  it('refuses a cursor whose payload was altered, or that another key signed', () => {
    const cursor = codec.encode(['a']);
    const [, mac] = cursor.split('.');
    const altered = `${Buffer.from('["b"]').toString('base64url')}.${mac}`;
    expect(() => codec.decode(altered, 1)).toThrow(ProblemException);
    expect(() => new CursorCodec('k2').decode(cursor, 1)).toThrow(ProblemException);
  });

  it('refuses a cursor of another list shape (arity)', () => {
    expect(() => codec.decode(codec.encode(['a', 'b']), 3)).toThrow(ProblemException);
  });
});

describe('keysetWhere', () => {
  type Row = { a: number; b: string };
  it('uses one row comparison when all directions agree', () => {
    const keys: KeysetKey<Row>[] = [
      { column: 't.a', direction: 'DESC', value: (r) => r.a },
      { column: 't.b', direction: 'DESC', value: (r) => r.b },
    ];
    expect(keysetWhere(keys, [1, 'x'])).toEqual({
      sql: '(t.a, t.b) < (:ks0, :ks1)',
      params: { ks0: 1, ks1: 'x' },
    });
  });

  it('expands mixed directions into the equivalent OR chain', () => {
    const keys: KeysetKey<Row>[] = [
      { column: 't.a', direction: 'DESC', value: (r) => r.a },
      { column: 't.b', direction: 'ASC', value: (r) => r.b },
    ];
    expect(keysetWhere(keys, [1, 'x']).sql).toBe('((t.a < :ks0) OR (t.a = :ks0 AND t.b > :ks1))');
  });
});

describe('toPage', () => {
  const codec = new CursorCodec('k');
  const keys: KeysetKey<{ id: number }>[] = [
    { column: 'id', direction: 'ASC', value: (r) => r.id },
  ];

  it('gives a cursor only when a further row exists', () => {
    const more = toPage([{ id: 1 }, { id: 2 }, { id: 3 }], 2, keys, codec, (r) => r.id);
    expect(more.data).toEqual([1, 2]);
    expect(codec.decode(more.nextCursor!, 1)).toEqual([2]);
    expect(toPage([{ id: 1 }], 2, keys, codec, (r) => r.id)).toEqual({
      data: [1],
      nextCursor: null,
    });
  });
});
