import { normaliseTags, parseTagFilter, TAG_PATTERN } from './tags.js';

describe('tags', () => {
  it('trims, lower-cases, composes and de-duplicates, keeping first-seen order', () => {
    expect(normaliseTags(['  Release ', 'release', 'BUG', 'Cafe\u0301', 'café'])).toEqual([
      'release',
      'bug',
      'café',
    ]);
  });

  it('keeps an empty tag empty so that validation can refuse it', () => {
    expect(normaliseTags(['   '])).toEqual(['']);
  });

  it('reads repeated and comma-separated filter values alike', () => {
    expect(parseTagFilter('a, B ,,c,')).toEqual(['a', 'b', 'c']);
    expect(parseTagFilter(['a', 'b,A'])).toEqual(['a', 'b']);
  });

  it('passes non-string filter values through for the validator', () => {
    expect(parseTagFilter({ x: 1 })).toEqual({ x: 1 });
    expect(parseTagFilter(['a', 2])).toEqual(['a', 2]);
  });

  it('refuses commas and control characters in a tag', () => {
    expect(TAG_PATTERN.test('needs review')).toBe(true);
    expect(TAG_PATTERN.test('ünïcödé-✓')).toBe(true);
    expect(TAG_PATTERN.test('a,b')).toBe(false);
    expect(TAG_PATTERN.test('a\tb')).toBe(false);
  });
});
