import { CursorCodec, keysetWhere, listBinding, toPage, type KeysetKey } from './pagination.js';
import { ProblemException } from './problem.js';
import { RequestContext } from './request-context.js';

describe('CursorCodec', () => {
  const codec = new CursorCodec('k1');
  const L = 'list-a';

  it('round-trips the sort-key values', () => {
    const values = ['2026-01-01T00:00:00.000Z', 42, null, 'a"b'];
    expect(codec.decode(codec.encode(values, L), 4, L)).toEqual(values);
  });

  it('refuses a cursor issued for another list (binding)', () => {
    const cursor = codec.encode(['a'], 'list-a');
    expect(() => codec.decode(cursor, 1, 'list-b')).toThrow(ProblemException);
  });

  it('binds to the route of the request and the sort keys', () => {
    const keys = [{ column: 't.id', direction: 'DESC' }];
    const meta = (route: string) => ({ requestId: 'r', route });
    const onA = RequestContext.run(meta('/v1/a'), () => listBinding(keys));
    const onB = RequestContext.run(meta('/v1/b'), () => listBinding(keys));
    const otherKeys = RequestContext.run(meta('/v1/a'), () =>
      listBinding([{ column: 't.id', direction: 'ASC' }]),
    );
    expect(new Set([onA, onB, otherKeys]).size).toBe(3);
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['no mac', Buffer.from('["x"]').toString('base64url')],
    ['empty', ''],
  ])('refuses a %s cursor with invalid-cursor', (_, cursor) => {
    expect(() => codec.decode(cursor, 1, L)).toThrow(ProblemException);
  });

  it('refuses a cursor whose payload was altered, or that another key signed', () => {
    const cursor = codec.encode(['a'], L);
    const [, mac] = cursor.split('.');
    const altered = `${Buffer.from('["b"]').toString('base64url')}.${mac}`;
    expect(() => codec.decode(altered, 1, L)).toThrow(ProblemException);
    expect(() => new CursorCodec('k2').decode(cursor, 1, L)).toThrow(ProblemException);
  });

  it('refuses a cursor of another list shape (arity)', () => {
    expect(() => codec.decode(codec.encode(['a', 'b'], L), 3, L)).toThrow(ProblemException);
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
    expect(codec.decode(more.nextCursor!, 1, listBinding(keys))).toEqual([2]);
    expect(toPage([{ id: 1 }], 2, keys, codec, (r) => r.id)).toEqual({
      data: [1],
      nextCursor: null,
    });
  });
});
