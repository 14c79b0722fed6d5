import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"e":2,"f":1}]},"b":1}',
    );
  });

  it('serialises dates as ISO 8601 UTC and undefined array items as null', () => {
    expect(canonicalJson([new Date('2026-01-02T03:04:05.678Z'), undefined])).toBe(
      '["2026-01-02T03:04:05.678Z",null]',
    );
  });

  it('escapes strings like JSON.stringify and keeps unicode as is', () => {
    expect(canonicalJson({ s: 'é"\n' })).toBe('{"s":"é\\"\\n"}');
  });

  it('gives equal output for equal values built in another key order', () => {
    expect(canonicalJson({ x: 1, y: [1, 2] })).toBe(canonicalJson({ y: [1, 2], x: 1 }));
  });
});
