import { canonicalJson } from '../common/canonical-json.js';
import {
  canonicalEventJson,
  eventHash,
  GENESIS_HASH,
  hashedEventOf,
  type HashedEvent,
} from './audit-hash.js';

// Expected values were computed outside this code base: the canonical strings written by hand
// (README, "Verifying the chain yourself") and hashed with `sha256sum` over prevHash + string.
const FIRST: HashedEvent = {
  id: '0190a4c2-7b1e-7cc3-9d2e-3f1f0b6f2a10',
  workspaceId: '0190a4c2-0000-7000-8000-000000000001',
  chainKey: 'ws:0190a4c2-0000-7000-8000-000000000001',
  seq: '1',
  actor: { type: 'user', id: '0190a4c2-0000-7000-8000-0000000000aa' },
  action: 'member.role_changed',
  entityType: 'member',
  entityId: '0190a4c2-0000-7000-8000-0000000000bb',
  changes: { role: { from: 'member', to: 'admin' } },
  requestId: 'req-1',
  ip: '127.0.0.1',
  userAgent: 'curl/8.0',
  occurredAt: '2025-01-31T09:15:00.123Z',
  prevHash: GENESIS_HASH,
};
const FIRST_CANONICAL =
  '{"action":"member.role_changed","actor":{"id":"0190a4c2-0000-7000-8000-0000000000aa","type":"user"},' +
  '"chainKey":"ws:0190a4c2-0000-7000-8000-000000000001","changes":{"role":{"from":"member","to":"admin"}},' +
  '"entityId":"0190a4c2-0000-7000-8000-0000000000bb","entityType":"member","id":"0190a4c2-7b1e-7cc3-9d2e-3f1f0b6f2a10",' +
  '"ip":"127.0.0.1","occurredAt":"2025-01-31T09:15:00.123Z",' +
  '"prevHash":"0000000000000000000000000000000000000000000000000000000000000000",' +
  '"requestId":"req-1","seq":"1","userAgent":"curl/8.0","workspaceId":"0190a4c2-0000-7000-8000-000000000001"}';
const FIRST_HASH = '869ea46d67335fa0a6bc69aec9e601f11ed786004c593225c7464b49d97c5c9a';

// Nulls, key order (upper case before lower case, non-ASCII last), escapes, numbers, arrays.
const SECOND: HashedEvent = {
  id: '0190a4c2-7b1e-7cc3-9d2e-3f1f0b6f2a11',
  workspaceId: null,
  chainKey: 'user:0190a4c2-0000-7000-8000-0000000000aa',
  seq: '2',
  actor: { type: 'system', id: 'auth' },
  action: 'user.login_failed',
  entityType: 'user',
  entityId: null,
  changes: {
    title: { from: 'Say "hi"\n', to: 'Café ☕ 😀\u0001' },
    labels: { from: [], to: ['b', 'a'] },
    estimate: { from: null, to: 1.5 },
    big: { from: 1e21, to: -0 },
    Zeta: { from: true, to: false },
    é: { from: 1, to: 2 },
  },
  requestId: null,
  ip: null,
  userAgent: null,
  occurredAt: '2025-01-31T09:15:00.124Z',
  prevHash: FIRST_HASH,
};
const SECOND_CANONICAL =
  '{"action":"user.login_failed","actor":{"id":"auth","type":"system"},' +
  '"chainKey":"user:0190a4c2-0000-7000-8000-0000000000aa","changes":{"Zeta":{"from":true,"to":false},' +
  '"big":{"from":1e+21,"to":0},"estimate":{"from":null,"to":1.5},"labels":{"from":[],"to":["b","a"]},' +
  '"title":{"from":"Say \\"hi\\"\\n","to":"Café ☕ 😀\\u0001"},"é":{"from":1,"to":2}},' +
  '"entityId":null,"entityType":"user","id":"0190a4c2-7b1e-7cc3-9d2e-3f1f0b6f2a11","ip":null,' +
  '"occurredAt":"2025-01-31T09:15:00.124Z",' +
  '"prevHash":"869ea46d67335fa0a6bc69aec9e601f11ed786004c593225c7464b49d97c5c9a",' +
  '"requestId":null,"seq":"2","userAgent":null,"workspaceId":null}';
const SECOND_HASH = 'b43bca66db04c6912c390803264db2ab5f41a1d7e9923d144056b70b4bf60d55';

describe('canonical JSON', () => {
  it('matches the documented form of an event', () => {
    expect(canonicalJson(FIRST)).toBe(FIRST_CANONICAL);
    expect(canonicalJson(SECOND)).toBe(SECOND_CANONICAL);
  });

  it('writes an event exactly as canonicalJson does, whatever its shape', () => {
    expect(canonicalEventJson(FIRST)).toBe(FIRST_CANONICAL);
    expect(canonicalEventJson(SECOND)).toBe(SECOND_CANONICAL);
    // Built in another key order, with a field left undefined, with one missing, one extra.
    const reordered = Object.fromEntries(Object.entries(SECOND).reverse()) as HashedEvent;
    const { ip: _ip, ...missing } = FIRST;
    const odd: HashedEvent[] = [
      reordered,
      { ...FIRST, entityId: undefined as unknown as null },
      missing as HashedEvent,
      { ...missing, extra: 1 } as unknown as HashedEvent,
      { ...FIRST, extra: 1 } as unknown as HashedEvent,
    ];
    for (const event of odd) expect(canonicalEventJson(event)).toBe(canonicalJson(event));
    expect(canonicalEventJson(odd[1])).not.toContain('entityId');
    expect(canonicalEventJson(odd[3])).toContain('"extra":1');
  });

  it('sorts keys at every depth, whatever the insertion order', () => {
    expect(canonicalJson({ b: { y: 1, x: [{ d: 1, c: 2 }] }, a: null })).toBe(
      '{"a":null,"b":{"x":[{"c":2,"d":1}],"y":1}}',
    );
  });
});

describe('event hash', () => {
  it('is SHA-256 over prevHash then the canonical JSON (fixed vectors)', () => {
    expect(eventHash(FIRST)).toBe(FIRST_HASH);
    expect(eventHash(SECOND)).toBe(SECOND_HASH);
  });

  it('changes when any covered field changes', () => {
    expect(eventHash({ ...FIRST, seq: '2' })).not.toBe(FIRST_HASH);
    expect(eventHash({ ...FIRST, changes: { role: { from: 'member', to: 'owner' } } })).not.toBe(
      FIRST_HASH,
    );
    expect(eventHash({ ...FIRST, prevHash: SECOND_HASH })).not.toBe(FIRST_HASH);
  });

  it('is the same recomputed from the stored row', () => {
    const row = {
      ...FIRST,
      seq: '1',
      actorType: 'user',
      actorId: FIRST.actor.id,
      occurredAt: new Date(FIRST.occurredAt),
    };
    expect(eventHash(hashedEventOf(row))).toBe(FIRST_HASH);
  });
});
