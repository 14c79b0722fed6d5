import {
  SEARCH_MAX_QUERY_CHARS,
  SEARCH_MAX_TERMS,
  SEARCH_MIN_PREFIX_LENGTH,
} from './notes.constants.js';

/**
 * What a search box query asks for. Every term must match (AND); there are no operators: the
 * characters of PostgreSQL's tsquery syntax (`& | ! <-> : * ( )`) are ordinary punctuation here.
 */
export interface ParsedSearch {
  /** Plain words, in any order and place. */
  words: string[];
  /** `"release plan"`: these words next to each other, in this order. */
  phrases: string[];
  /** `deploy*`: any word starting like this (deploy, deploys, deployment). */
  prefixes: string[];
}

/** Typographic double quotes count as `"`. */
const DOUBLE_QUOTES = /[\u201C\u201D\u201E\u201F\u00AB\u00BB\u2033\uFF02]/g;
const SEARCHABLE = /[\p{L}\p{N}]/u;
const PREFIX_TERM = /^(.+?)\*+$/su;

/**
 * Parses search input leniently: it never throws and bad syntax degrades to plain words.
 * A closed pair of double quotes makes a phrase; an unmatched quote is ignored. A word ending in
 * `*` is a prefix if what precedes the stars is long enough. Terms without a letter or digit are
 * dropped; input past SEARCH_MAX_QUERY_CHARS characters and terms past SEARCH_MAX_TERMS are
 * ignored. The result holds user text only as values, never as query syntax.
 */
export function parseSearchQuery(input: string): ParsedSearch {
  const text = Array.from(input)
    .slice(0, SEARCH_MAX_QUERY_CHARS)
    .join('')
    .replace(DOUBLE_QUOTES, '"');
  const parsed: ParsedSearch = { words: [], phrases: [], prefixes: [] };
  let terms = 0;
  const add = (kind: keyof ParsedSearch, value: string): void => {
    if (terms >= SEARCH_MAX_TERMS || !SEARCHABLE.test(value)) return;
    parsed[kind].push(value);
    terms += 1;
  };
  const segments = text.split('"');
  segments.forEach((segment, i) => {
    // Odd segments lie between two quotes, except a last one opened by an unmatched quote.
    if (i % 2 === 1 && i < segments.length - 1) {
      add('phrases', segment.trim().replace(/\s+/gu, ' '));
      return;
    }
    for (const chunk of segment.split(/\s+/u).filter(Boolean)) {
      const prefix = PREFIX_TERM.exec(chunk)?.[1];
      if (prefix !== undefined && Array.from(prefix).length >= SEARCH_MIN_PREFIX_LENGTH) {
        add('prefixes', prefix);
      } else {
        add('words', chunk);
      }
    }
  });
  return parsed;
}

export const isEmptySearch = (s: ParsedSearch): boolean =>
  s.words.length + s.phrases.length + s.prefixes.length === 0;
