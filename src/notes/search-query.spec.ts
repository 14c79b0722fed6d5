import fc from 'fast-check';
import { SEARCH_MAX_TERMS } from './notes.constants.js';
import { isEmptySearch, parseSearchQuery } from './search-query.js';

describe('parseSearchQuery', () => {
  it('reads plain words', () => {
    expect(parseSearchQuery('  release   plan ')).toEqual({
      words: ['release', 'plan'],
      phrases: [],
      prefixes: [],
    });
  });

  it('reads quoted phrases, with typographic quotes too', () => {
    expect(parseSearchQuery('"release  plan" q3 “go live”')).toEqual({
      words: ['q3'],
      phrases: ['release plan', 'go live'],
      prefixes: [],
    });
  });

  it('treats an unmatched quote as nothing', () => {
    expect(parseSearchQuery('"release plan" "deploy now')).toEqual({
      words: ['deploy', 'now'],
      phrases: ['release plan'],
      prefixes: [],
    });
  });

  it('reads prefix terms, and a too-short prefix as a word', () => {
    expect(parseSearchQuery('deploy* a* ab**')).toEqual({
      words: ['a*'],
      phrases: [],
      prefixes: ['deploy', 'ab'],
    });
  });

  it('keeps tsquery operators as ordinary text and drops terms with nothing searchable', () => {
    const parsed = parseSearchQuery("foo&bar | ! <-> :* ( ) it's \\x");
    expect(parsed).toEqual({ words: ['foo&bar', "it's", '\\x'], phrases: [], prefixes: [] });
  });

  it('finds nothing to search in empty or punctuation-only input', () => {
    for (const q of ['', '   ', '""', '" "', '& | !', '***']) {
      expect(isEmptySearch(parseSearchQuery(q))).toBe(true);
    }
  });

  it('bounds the number of terms', () => {
    const parsed = parseSearchQuery(Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '));
    expect(parsed.words).toHaveLength(SEARCH_MAX_TERMS);
  });

  it('never throws and only yields non-empty searchable terms (fuzzed)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (input) => {
        const parsed = parseSearchQuery(input);
        const all = [...parsed.words, ...parsed.phrases, ...parsed.prefixes];
        expect(all.length).toBeLessThanOrEqual(SEARCH_MAX_TERMS);
        for (const term of all) expect(term).toMatch(/[\p{L}\p{N}]/u);
      }),
      { numRuns: 500 },
    );
  });
});
