import fc from 'fast-check';
import {
  evenlySpacedKeys,
  keyBetween,
  keyForPlacement,
  keysAfter,
  ORDER_KEY_MAX_STORED,
  ORDER_KEY_REBALANCE_LENGTH,
  rebalanced,
  type KeyedItem,
  type Placement,
} from './ordering.js';

/**
 * An in-memory column driven exactly like the service drives the database: place an item
 * among the others (itself excluded) by its neighbours' keys; when no short key exists,
 * rebalance the whole list.
 */
class Column {
  items: KeyedItem[] = [];
  rebalances = 0;

  place(id: string, placement: Placement): void {
    const others = this.items.filter((x) => x.id !== id);
    const key = keyForPlacement(others, placement);
    if (key !== null) {
      this.items = [...others, { id, key }].sort(byKey);
      return;
    }
    this.rebalances += 1;
    const lowerId = lowerIdOf(others, placement);
    this.items = rebalanced(
      others.map((x) => x.id),
      id,
      lowerId,
    );
  }

  ids(): string[] {
    return this.items.map((x) => x.id);
  }
}

const byKey = (a: KeyedItem, b: KeyedItem) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function lowerIdOf(others: KeyedItem[], placement: Placement): string | null {
  switch (placement.kind) {
    case 'top':
      return null;
    case 'bottom':
      return others[others.length - 1]?.id ?? null;
    case 'after':
      return placement.id;
    case 'before':
      return others[others.findIndex((x) => x.id === placement.id) - 1]?.id ?? null;
  }
}

/** The order a placement means, computed on ids only (the model the keys must agree with). */
function expectedOrder(ids: string[], id: string, placement: Placement): string[] {
  const others = ids.filter((x) => x !== id);
  const at =
    placement.kind === 'top'
      ? 0
      : placement.kind === 'bottom'
        ? others.length
        : placement.kind === 'after'
          ? others.indexOf(placement.id) + 1
          : others.indexOf(placement.id);
  return [...others.slice(0, at), id, ...others.slice(at)];
}

/** The first violation of the ordering invariants, or null (one `expect` per check keeps it fast). */
function orderViolation(items: KeyedItem[]): string | null {
  for (let i = 0; i < items.length; i++) {
    const key = items[i].key;
    if (i > 0 && !(items[i - 1].key < key)) return `${items[i - 1].key} !< ${key} at ${i}`;
    if (key.length > ORDER_KEY_REBALANCE_LENGTH) return `key ${key} longer than the threshold`;
    // What PostgreSQL's "C" collation compares is bytes; keys are ASCII, so bytes = code units.
    if (!/^[0-9A-Za-z]+$/.test(key)) return `key ${key} is not base-62 ASCII`;
  }
  return null;
}

function assertStrictOrder(items: KeyedItem[]): void {
  expect(orderViolation(items)).toBeNull();
}

/** A move: which existing item (by index, or a new one) goes where (relative to an index). */
const moveArb = fc.record({
  subject: fc.nat(),
  fresh: fc.boolean(),
  kind: fc.constantFrom('top', 'bottom', 'after', 'before'),
  anchor: fc.nat(),
});

describe('ordering keys', () => {
  it('keyBetween returns a key strictly between its bounds', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('top', 'bottom', 'mid'), { maxLength: 60 }), (ops) => {
        let keys = ['a0', 'a1'];
        for (const op of ops) {
          const i = op === 'top' ? 0 : op === 'bottom' ? keys.length : Math.floor(keys.length / 2);
          const key = keyBetween(keys[i - 1] ?? null, keys[i] ?? null);
          if (key === null) return; // too long: the caller rebalances
          if (i > 0) expect(keys[i - 1] < key).toBe(true);
          if (i < keys.length) expect(key < keys[i]).toBe(true);
          keys = [...keys.slice(0, i), key, ...keys.slice(i)];
        }
      }),
    );
  });

  it('refuses bounds that are equal or inverted (the caller rebalances)', () => {
    expect(keyBetween('a1', 'a1')).toBeNull();
    expect(keyBetween('a2', 'a1')).toBeNull();
    expect(keyBetween('not a key', null)).toBeNull();
  });

  it('any sequence of moves keeps a strict total order, the intended order, and short keys', () => {
    fc.assert(
      fc.property(fc.array(moveArb, { minLength: 1, maxLength: 300 }), (moves) => {
        const column = new Column();
        let next = 0;
        for (const move of moves) {
          const ids = column.ids();
          const id = move.fresh || ids.length === 0 ? `n${next++}` : ids[move.subject % ids.length];
          const others = ids.filter((x) => x !== id);
          let placement: Placement;
          if ((move.kind === 'after' || move.kind === 'before') && others.length > 0) {
            placement = { kind: move.kind, id: others[move.anchor % others.length] };
          } else {
            placement = { kind: move.kind === 'top' ? 'top' : 'bottom' };
          }
          const expected = expectedOrder(ids, id, placement);
          column.place(id, placement);
          expect(column.ids()).toEqual(expected);
          assertStrictOrder(column.items);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('repeated moves to the same spot never grow a key without bound: they rebalance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 20 }),
        fc.constantFrom<'after' | 'before'>('after', 'before'),
        fc.integer({ min: 400, max: 1500 }),
        (size, kind, moves) => {
          const column = new Column();
          for (let i = 0; i < size; i++) column.place(`c${i}`, { kind: 'bottom' });
          // Always between the first two cards: the worst case for key growth.
          for (let m = 0; m < moves; m++) {
            const ids = column.ids();
            const mover = ids[ids.length - 1];
            const anchor = kind === 'after' ? ids[0] : ids[1];
            column.place(mover, { kind, id: anchor });
            assertStrictOrder(column.items);
          }
          expect(column.rebalances).toBeGreaterThan(0);
          expect(Math.max(...column.items.map((x) => x.key.length))).toBeLessThanOrEqual(
            ORDER_KEY_REBALANCE_LENGTH,
          );
        },
      ),
      { numRuns: 20 },
    );
  });

  it('rebalanced and bulk keys are short, ascending and fit the stored column', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20_000 }), (n) => {
        const keys = evenlySpacedKeys(n);
        expect(keys).toHaveLength(n);
        expect(orderViolation(keys.map((key, i) => ({ id: String(i), key })))).toBeNull();
        expect(Math.max(0, ...keys.map((k) => k.length))).toBeLessThan(ORDER_KEY_MAX_STORED);
        const appended = keysAfter(keys[keys.length - 1] ?? null, 50);
        if (keys.length > 0) expect(keys[keys.length - 1] < appended[0]).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('sorts the way a bytewise collation does, not the way a locale does', () => {
    const keys = evenlySpacedKeys(200);
    // Upper-case heads sort before lower-case ones bytewise ("Zz" < "a0"); a case-insensitive
    // locale collation would put them elsewhere.
    const top = keyBetween(null, keys[0])!;
    expect(top < keys[0]).toBe(true);
    expect(top).toMatch(/^[A-Z]/);
    expect([...keys, top].sort()).toEqual([top, ...keys]);
  });
});
