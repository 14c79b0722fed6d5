import { jsonDepthExceeds, MAX_JSON_DEPTH } from './http-transport.js';

const nested = (depth: number, open = '[', close = ']') => open.repeat(depth) + close.repeat(depth);

describe('jsonDepthExceeds', () => {
  it('allows nesting up to the limit and refuses one level more', () => {
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    const objects = '{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1);
    expect(jsonDepthExceeds(objects, MAX_JSON_DEPTH)).toBe(true);
  });

  it('counts depth, not the number of containers', () => {
    const wide = `[${Array(10_000).fill('[{}]').join(',')}]`;
    expect(jsonDepthExceeds(wide, 3)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ a: '[[[[[[[[{{{{{{', b: 'say \\"[[[[[[[[\\"', c: [1] });
    expect(jsonDepthExceeds(text, 2)).toBe(false);
  });

  it('refuses a million levels without recursing (no stack overflow)', () => {
    expect(jsonDepthExceeds(nested(1_000_000), MAX_JSON_DEPTH)).toBe(true);
  });
});
