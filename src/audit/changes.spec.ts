import { diffChanges, normaliseChanges, redactChanges, REDACTED } from './changes.js';

describe('changes', () => {
  it('keeps changed fields only', () => {
    expect(diffChanges({ a: 1, b: 2 }, { a: 1, b: 3 }, ['a', 'b'])).toEqual({
      b: { from: 2, to: 3 },
    });
  });

  it('redacts secret-looking fields', () => {
    expect(
      redactChanges({ passwordHash: { from: null, to: 'x' }, name: { from: 'a', to: 'b' } }),
    ).toEqual({ passwordHash: { from: null, to: REDACTED }, name: { from: 'a', to: 'b' } });
  });

  it('normalises to what jsonb stores: JSON values, storable strings', () => {
    const at = new Date('2025-01-31T09:15:00.123Z');
    expect(
      normaliseChanges({
        due: { from: at, to: undefined },
        n: { from: Number.NaN, to: 1 },
        text: { from: 'a\u0000b', to: 'x\uD800y😀' },
      }),
    ).toEqual({
      due: { from: '2025-01-31T09:15:00.123Z' },
      n: { from: null, to: 1 },
      text: { from: 'a\uFFFDb', to: 'x\uFFFDy😀' },
    });
  });

  it('makes keys and nested strings storable, and keeps look-alike text as it is', () => {
    expect(
      normaliseChanges({
        'k\u0000': { from: ['\uDC00'], to: { deep: 'ok\u0000' } },
        plain: { from: 'C:\\u0000 is text', to: '\\ud800 too' },
      }),
    ).toEqual({
      'k\uFFFD': { from: ['\uFFFD'], to: { deep: 'ok\uFFFD' } },
      plain: { from: 'C:\\u0000 is text', to: '\\ud800 too' },
    });
    const clean = { a: { from: 'x', to: [1, { b: true }] } };
    expect(normaliseChanges(clean)).toEqual(clean);
    expect(normaliseChanges(clean)).not.toBe(clean);
  });
});
