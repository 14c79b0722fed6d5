import { generateKeyBetween, generateNKeysBetween } from 'fractional-indexing';

/**
 * Order keys (columns in a board, cards in a column) are fractional-indexing keys: ASCII
 * base-62 strings that sort bytewise. PostgreSQL must compare them the same way, so their
 * columns use the "C" collation (a locale collation ignores case and punctuation in the first
 * pass and would misorder them). JavaScript's `<` on these ASCII strings is bytewise too.
 */
export const ORDER_KEY_COLLATION = 'C';

/**
 * A key longer than this is not written: the column is rebalanced instead (all its keys
 * rewritten short and evenly spaced, in one transaction). Inserting repeatedly at the same spot
 * grows a key by about one character per six inserts, so this is ~290 inserts at one spot.
 */
export const ORDER_KEY_REBALANCE_LENGTH = 50;

/** The stored column's length: the threshold plus room for keys of a freshly rebalanced column. */
export const ORDER_KEY_MAX_STORED = 64;

/**
 * A key strictly between `lower` and `upper` (null: open end), or null when there is none short
 * enough (or the bounds are not strictly ordered): then the caller rebalances the column.
 */
export function keyBetween(lower: string | null, upper: string | null): string | null {
  if (lower !== null && upper !== null && !(lower < upper)) return null;
  let key: string;
  try {
    key = generateKeyBetween(lower, upper);
  } catch {
    // A bound that is not a valid key (written by hand) or the end of the key space.
    return null;
  }
  return key.length > ORDER_KEY_REBALANCE_LENGTH ? null : key;
}

/** `count` short keys in ascending order, for a rebalanced column (`a0`, `a1`, ...). */
export function evenlySpacedKeys(count: number): string[] {
  return generateNKeysBetween(null, null, count);
}

/** `count` ascending keys after `lower` (null: from the start), for cards appended in bulk. */
export function keysAfter(lower: string | null, count: number): string[] {
  return generateNKeysBetween(lower, null, count);
}

/** Where a moved or new item goes among the others of its list. */
export type Placement =
  | { kind: 'bottom' }
  | { kind: 'top' }
  | { kind: 'after'; id: string }
  | { kind: 'before'; id: string };

export interface KeyedItem {
  id: string;
  key: string;
}

/**
 * Pure model of a placement in an in-memory ordered list (what the database does with
 * neighbour lookups): the key for `placement`, or null when the list needs rebalancing.
 * `items` are sorted by key and do not contain the item being placed.
 */
export function keyForPlacement(items: KeyedItem[], placement: Placement): string | null {
  const [lower, upper] = neighbours(items, placement);
  return keyBetween(lower?.key ?? null, upper?.key ?? null);
}

/** The items immediately below and above the placement (null: none). */
export function neighbours(
  items: KeyedItem[],
  placement: Placement,
): [KeyedItem | null, KeyedItem | null] {
  switch (placement.kind) {
    case 'bottom':
      return [items[items.length - 1] ?? null, null];
    case 'top':
      return [null, items[0] ?? null];
    case 'after': {
      const i = items.findIndex((x) => x.id === placement.id);
      if (i < 0) throw new Error(`no item ${placement.id}`);
      return [items[i], items[i + 1] ?? null];
    }
    case 'before': {
      const i = items.findIndex((x) => x.id === placement.id);
      if (i < 0) throw new Error(`no item ${placement.id}`);
      return [items[i - 1] ?? null, items[i]];
    }
  }
}

/**
 * The ids of a list in their new order after inserting `id` right after `lowerId` (null: at
 * the start), with fresh keys: what a rebalance writes.
 */
export function rebalanced(
  orderedIds: string[],
  id: string,
  lowerId: string | null,
): Array<{ id: string; key: string }> {
  const others = orderedIds.filter((x) => x !== id);
  const at = lowerId === null ? 0 : others.indexOf(lowerId) + 1;
  const ids = [...others.slice(0, at), id, ...others.slice(at)];
  const keys = evenlySpacedKeys(ids.length);
  return ids.map((x, i) => ({ id: x, key: keys[i] }));
}
