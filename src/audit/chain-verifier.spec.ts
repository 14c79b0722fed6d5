import { eventHash, GENESIS_HASH, hashedEventOf } from './audit-hash.js';
import { ChainVerifier, type StoredEvent } from './chain-verifier.js';

const CHAIN = 'ws:0190a4c2-0000-7000-8000-000000000001';

/** A valid chain of `n` events. */
function chain(n: number): StoredEvent[] {
  const events: StoredEvent[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const row = {
      id: `0190a4c2-7b1e-7cc3-9d2e-${String(seq).padStart(12, '0')}`,
      workspaceId: CHAIN.slice(3),
      chainKey: CHAIN,
      seq: String(seq),
      actorType: 'user',
      actorId: 'u1',
      action: 'card.moved',
      entityType: 'card',
      entityId: null,
      changes: { column: { from: seq, to: seq + 1 } },
      requestId: null,
      ip: null,
      userAgent: null,
      occurredAt: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)),
      prevHash,
    };
    const hash = eventHash(hashedEventOf(row));
    events.push({ ...row, hash });
    prevHash = hash;
  }
  return events;
}

function verify(events: StoredEvent[], batch = 3, tip = events[events.length - 1]) {
  const verifier = new ChainVerifier(tip && { lastSeq: String(tip.seq), lastHash: tip.hash });
  for (let i = 0; i < events.length && !verifier.done; i += batch) {
    verifier.push(events.slice(i, i + batch));
  }
  return verifier.result();
}

describe('ChainVerifier', () => {
  it('accepts an intact chain read in batches', () => {
    expect(verify(chain(10))).toEqual({ ok: true, checked: 10 });
  });

  it('accepts an empty chain', () => {
    expect(new ChainVerifier(undefined).result()).toEqual({ ok: true, checked: 0 });
  });

  it('reports an altered event at its seq', () => {
    const events = chain(10);
    events[4] = { ...events[4], changes: { column: { from: 0, to: 0 } } };
    expect(verify(events)).toEqual({ ok: false, checked: 4, firstBrokenSeq: 5 });
  });

  it('reports a re-hashed altered event at the next link', () => {
    const events = chain(10);
    const altered = { ...events[4], action: 'card.deleted' };
    events[4] = { ...altered, hash: eventHash(hashedEventOf(altered)) };
    expect(verify(events)).toEqual({ ok: false, checked: 5, firstBrokenSeq: 6 });
  });

  it('reports a deleted event at the missing seq', () => {
    const events = chain(10);
    events.splice(6, 1);
    expect(verify(events, 3, chain(10)[9])).toEqual({ ok: false, checked: 6, firstBrokenSeq: 7 });
  });

  it('reports deleted newest events against the head', () => {
    const full = chain(10);
    expect(verify(full.slice(0, 8), 3, full[9])).toEqual({
      ok: false,
      checked: 8,
      firstBrokenSeq: 9,
    });
  });

  it('reports a replaced tip that no longer matches the head', () => {
    const full = chain(10);
    const other = { ...full[9], action: 'card.deleted' };
    const forged = [...full.slice(0, 9), { ...other, hash: eventHash(hashedEventOf(other)) }];
    expect(verify(forged, 3, full[9])).toEqual({ ok: false, checked: 9, firstBrokenSeq: 10 });
  });
});
