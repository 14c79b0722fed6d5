import fc from 'fast-check';
import { startApp, type TestApp } from '../support/app.js';
import { createTeam, type Team } from '../support/factories.js';
import { client, expectProblem, type Client } from '../support/http.js';
import { createNote, listAll, type ListedItem } from './notes.factories.js';

/** A small fixed corpus; each test names the order it expects and why. */
const CORPUS = {
  titlePhrase: { title: 'Release plan', body: 'Steps to ship the new version.' },
  bodyPhrase: {
    title: 'Weekly sync',
    body: 'We discussed the release plan & the budget (a < b).',
    tags: ['meeting'],
  },
  scattered: { title: 'Retro', body: 'The plan for the next release is unclear.' },
  deployTitle: { title: 'Deployment checklist', body: 'How we deploy to production.' },
  deployer: { title: 'Infra notes', body: 'The deployer service runs nightly.' },
  budgetTitle: { title: 'Budget', body: 'Numbers for Q3.' },
  quoted: { title: "It's O'Brien's \\ backslash note", body: 'C:\\path\\to\\file & <tag>' },
};
type Key = keyof typeof CORPUS;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

describe('notes search', () => {
  let app: TestApp;
  let api: Client;
  let team: Team;
  let outsiderWorkspace: string;
  const ids = {} as Record<Key, string>;
  let archivedId: string;
  let outsiderNoteId: string;

  beforeAll(async () => {
    app = await startApp();
    api = client(app);
    team = await createTeam(api);
    for (const [key, input] of Object.entries(CORPUS)) {
      ids[key as Key] = (
        await createNote(api, team.member.accessToken, team.workspaceId, input)
      ).id;
    }
    const archived = await createNote(api, team.member.accessToken, team.workspaceId, {
      title: 'Old release plan',
    });
    await api.patch(
      `/v1/notes/${archived.id}`,
      { archived: true },
      { token: team.member.accessToken },
    );
    archivedId = archived.id;
    const workspaces = await api.get('/v1/workspaces', { token: team.outsider.accessToken });
    outsiderWorkspace = workspaces.body.data[0].id;
    outsiderNoteId = (
      await createNote(api, team.outsider.accessToken, outsiderWorkspace, {
        title: 'Release plan',
        body: 'their release plan, deploy budget',
      })
    ).id;
  });
  afterAll(() => app.stop());

  const search = async (q: string, extra = '', token = team.viewer.accessToken) => {
    const res = await api.get(
      `/v1/workspaces/${team.workspaceId}/notes?q=${encodeURIComponent(q)}${extra}`,
      { token },
    );
    expect(res.status).toBe(200);
    return res.body.data as ListedItem[];
  };
  const order = (items: ListedItem[]) =>
    items.map((n) => (Object.keys(ids) as Key[]).find((k) => ids[k] === n.id) ?? n.id);

  it('ranks a title match above a body match', async () => {
    expect(order(await search('budget'))).toEqual(['budgetTitle', 'bodyPhrase']);
  });

  it('ranks words by weight and closeness: title, then adjacent in body, then scattered', async () => {
    const results = await search('release plan');
    expect(order(results)).toEqual(['titlePhrase', 'bodyPhrase', 'scattered']);
    const ranks = results.map((n) => n.rank as number);
    expect(ranks[0]).toBeGreaterThan(ranks[1]);
    expect(ranks[1]).toBeGreaterThan(ranks[2]);
  });

  it('matches a quoted phrase only where the words are adjacent and in order', async () => {
    expect(order(await search('"release plan"'))).toEqual(['titlePhrase', 'bodyPhrase']);
    expect(order(await search('“plan release”'))).toEqual([]);
    expect(order(await search('"release plan" budget'))).toEqual(['bodyPhrase']);
  });

  it('matches prefix terms, while a plain word matches whole words only', async () => {
    expect(order(await search('deploy*'))).toEqual(['deployTitle', 'deployer']);
    expect(order(await search('deploy'))).toEqual(['deployTitle']);
    expect(order(await search('DEPLOYE*'))).toEqual(['deployer']);
  });

  it('returns an HTML-safe snippet with the matches marked', async () => {
    const [hit] = await search('"release plan"', '&tag=meeting');
    expect(hit.id).toBe(ids.bodyPhrase);
    expect(hit.snippet).toBe(
      'We discussed the <mark>release</mark> <mark>plan</mark> &amp; the budget (a &lt; b).',
    );
    expect(hit.excerpt).toBe(CORPUS.bodyPhrase.body);
    expect(hit).not.toHaveProperty('body');
  });

  it('pages through ranked results without gaps or repeats', async () => {
    const all = await listAll(
      api,
      team.viewer.accessToken,
      `/v1/workspaces/${team.workspaceId}/notes?q=release+plan`,
      1,
    );
    expect(order(all)).toEqual(['titlePhrase', 'bodyPhrase', 'scattered']);
    const listCursor = (
      await api.get(`/v1/workspaces/${team.workspaceId}/notes?limit=1`, {
        token: team.viewer.accessToken,
      })
    ).body.nextCursor as string;
    const mixed = await api.get(
      `/v1/workspaces/${team.workspaceId}/notes?q=release&cursor=${encodeURIComponent(listCursor)}`,
      { token: team.viewer.accessToken },
    );
    expectProblem(mixed, 400, 'invalid-cursor');
  });

  it('applies the list filters to search results (archived only when asked)', async () => {
    expect(order(await search('release'))).not.toContain(archivedId);
    expect(order(await search('release', '&archived=true'))).toEqual([archivedId]);
    expect(order(await search('release', '&tag=meeting'))).toEqual(['bodyPhrase']);
  });

  it("never shows another workspace's notes, and another workspace's search is 404", async () => {
    for (const q of ['release plan', 'their', 'deploy*', '"release plan"']) {
      expect((await search(q)).map((n) => n.id)).not.toContain(outsiderNoteId);
    }
    const theirs = await api.get(
      `/v1/workspaces/${outsiderWorkspace}/notes?q=${encodeURIComponent('release plan')}`,
      { token: team.outsider.accessToken },
    );
    expect(theirs.body.data.map((n: ListedItem) => n.id)).toEqual([outsiderNoteId]);
    const foreign = await api.get(`/v1/workspaces/${outsiderWorkspace}/notes?q=release`, {
      token: team.member.accessToken,
    });
    expectProblem(foreign, 404, 'not-found');
  });

  it('finds text with quotes and backslashes by its words', async () => {
    expect(order(await search("o'brien's"))).toEqual(['quoted']);
    expect(order(await search("O'Bri*"))).toEqual(['quoted']);
    expect(order(await search('c:\\path\\to*'))).toEqual(['quoted']);
  });

  it('treats operator syntax and unbalanced quotes as plain words', async () => {
    expect(order(await search('release & | ! plan'))).toEqual([
      'titlePhrase',
      'bodyPhrase',
      'scattered',
    ]);
    expect(order(await search('(release) <-> plan:*'))).toEqual([
      'titlePhrase',
      'bodyPhrase',
      'scattered',
    ]);
    expect(order(await search('"release plan'))).toEqual([
      'titlePhrase',
      'bodyPhrase',
      'scattered',
    ]);
    expect(order(await search('!!budget'))).toEqual(['budgetTitle', 'bodyPhrase']);
  });

  it('finds nothing for input with nothing searchable, and lists for a blank q', async () => {
    for (const q of ['"', '""', '& | ! <-> :* ( )', '***', '\\']) {
      expect(await search(q)).toEqual([]);
    }
    const blank = await search('   ');
    expect(blank.length).toBeGreaterThanOrEqual(Object.keys(CORPUS).length);
    expect(blank[0]).not.toHaveProperty('rank');
  });

  it('survives very long input (beyond the searched prefix) with a 200', async () => {
    // Kept under the HTTP server's 16 KiB header limit (beyond it Node answers 431).
    const long = `release ${'plan& |!<->:*() "x" '.repeat(80)}`;
    expect(long.length).toBeGreaterThan(1000);
    expect(order(await search(long))).toEqual([]);
    expect(order(await search(`budget ${'budget '.repeat(300)}`))).toEqual([
      'budgetTitle',
      'bodyPhrase',
    ]);
    expect(await search('é'.repeat(2000))).toEqual([]);
  });

  it('indexes a 1 MiB body of distinct words (too many for one tsvector) from its beginning', async () => {
    const words: string[] = [];
    let size = 0;
    for (let i = 0; size < 1_000_000; i += 1) {
      const word = `w${i.toString(36)}q${((i * 7919) % 1_000_003).toString(36)}`;
      words.push(word);
      size += word.length + 1;
    }
    const { workspaceId, owner } = await createTeam(api);
    const note = await createNote(api, owner.accessToken, workspaceId, {
      title: 'Hashes dump',
      body: words.join(' '),
    });
    const find = async (q: string) =>
      (
        await api.get(`/v1/workspaces/${workspaceId}/notes?q=${encodeURIComponent(q)}`, {
          token: owner.accessToken,
        })
      ).body.data.map((n: ListedItem) => n.id);
    expect(await find('hashes')).toEqual([note.id]);
    expect(await find(words[10])).toEqual([note.id]);
    // Past the indexed prefix (documented): too many distinct words for PostgreSQL's 1 MiB tsvector.
    expect(await find(words[words.length - 1])).toEqual([]);
  });

  it('answers NUL in q with a 422, like every other parameter', async () => {
    const res = await api.get(`/v1/workspaces/${team.workspaceId}/notes?q=a%00b`, {
      token: team.viewer.accessToken,
    });
    expectProblem(res, 422, 'validation-failed');
  });

  it('never answers a 5xx for arbitrary input (fuzzed)', async () => {
    const syntax = fc.constantFrom(
      '&',
      '|',
      '!',
      '<->',
      '<2>',
      ':',
      ':*',
      '*',
      '(',
      ')',
      '"',
      "'",
      "''",
      '\\',
      '\\\\',
      ' ',
      'release',
      'plan',
      'deploy*',
      'é',
      '🎉',
      '中文',
      '\u200b',
      '\ud83c',
      '%',
      '+',
      '#',
      '&&',
      '\n',
    );
    const input = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.array(syntax, { maxLength: 40 }).map((parts) => parts.join('')),
      fc
        .array(fc.oneof(syntax, fc.string({ maxLength: 5 })), { maxLength: 60 })
        .map((p) => p.join(' ')),
    );
    await fc.assert(
      fc.asyncProperty(input, async (q) => {
        // A URL carries UTF-8, so a lone surrogate can only arrive as U+FFFD.
        const wellFormed = q.replace(LONE_SURROGATE, '\uFFFD');
        const encoded = encodeURIComponent(wellFormed);
        const res = await api.get(`/v1/workspaces/${team.workspaceId}/notes?q=${encoded}`, {
          token: team.viewer.accessToken,
        });
        expect(res.status).toBeLessThan(500);
        if (wellFormed.includes('\u0000')) expect(res.status).toBe(422);
        else expect(res.status).toBe(200);
        for (const item of res.body.data ?? []) {
          expect(item.workspaceId).toBe(team.workspaceId);
        }
      }),
      { numRuns: 300 },
    );
    expect(app.output()).not.toMatch(/"level":50/);
  });
});
