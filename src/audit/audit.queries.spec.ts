import { actionPrefixPattern } from './audit.queries.js';

describe('action prefix filter', () => {
  it('becomes a LIKE prefix with LIKE wildcards escaped', () => {
    expect(actionPrefixPattern('card.*')).toBe('card.%');
    expect(actionPrefixPattern('card_comment.*')).toBe('card\\_comment.%');
    expect(actionPrefixPattern('a%b.*')).toBe('a\\%b.%');
  });
});
