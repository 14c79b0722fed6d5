/** Limits of a note (DESIGN §5 Notes); the API documentation and the CHECK constraints use them. */
export const NOTE_TITLE_MAX_LENGTH = 500;
/** The markdown body, measured in UTF-8 bytes: 1 MiB. */
export const NOTE_BODY_MAX_BYTES = 1_048_576;
export const NOTE_MAX_TAGS = 50;
export const NOTE_TAG_MAX_LENGTH = 64;

/**
 * The request-body limit of the routes that carry a note body. JSON escaping can make a body up
 * to six times longer on the wire (`\u0001` for a control character), so any valid note fits,
 * with room for the title and tags; every other route keeps BODY_LIMIT_BYTES.
 */
export const NOTE_REQUEST_BODY_LIMIT_BYTES = 6 * NOTE_BODY_MAX_BYTES + 64 * 1024;

/** List items carry the first characters of the body, never the whole body. */
export const NOTE_EXCERPT_LENGTH = 200;

/** Search input beyond this many characters, or terms beyond this many, is ignored. */
export const SEARCH_MAX_QUERY_CHARS = 1000;
export const SEARCH_MAX_TERMS = 32;
/** `a*` would expand to most of the index: a prefix term needs at least this many characters. */
export const SEARCH_MIN_PREFIX_LENGTH = 2;
/**
 * Snippets are cut from the first characters of the body only: ts_headline re-parses its input
 * (about 90 ms per MiB), and a page may hold 200 results under a 3 s statement timeout.
 */
export const SNIPPET_SOURCE_CHARS = 65_536;
