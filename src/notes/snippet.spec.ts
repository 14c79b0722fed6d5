import { HIGHLIGHT_END, HIGHLIGHT_START, renderSnippet } from './snippet.js';

describe('renderSnippet', () => {
  it('escapes the text and marks the highlighted words', () => {
    const raw = `a < b & ${HIGHLIGHT_START}release${HIGHLIGHT_END} "it's" <img src=x onerror=alert(1)>`;
    expect(renderSnippet(raw)).toBe(
      'a &lt; b &amp; <mark>release</mark> &quot;it&#39;s&quot; &lt;img src=x onerror=alert(1)&gt;',
    );
  });
});
