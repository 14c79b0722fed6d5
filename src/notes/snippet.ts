/**
 * ts_headline marks matches with these two private-use characters (stripped from the body it
 * reads, so they can only be ours); the snippet is then HTML-escaped and they become `<mark>`.
 */
export const HIGHLIGHT_START = '\uE000';
export const HIGHLIGHT_END = '\uE001';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * A search snippet as safe HTML: the note's text escaped, the matched words in
 * `<mark>...</mark>`. It is the only field of the API with markup; strip the two tags for text.
 */
export function renderSnippet(headline: string): string {
  return headline
    .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c])
    .replaceAll(HIGHLIGHT_START, '<mark>')
    .replaceAll(HIGHLIGHT_END, '</mark>');
}
