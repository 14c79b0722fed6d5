import { eventHash, GENESIS_HASH, hashedEventOf, type StoredEventColumns } from './audit-hash.js';

export interface ChainVerification {
  /** True when every event up to the chain's tip is present, unaltered and linked. */
  ok: boolean;
  /** How many events, from seq 1, were found intact (all of them when `ok`). */
  checked: number;
  /** The first seq that is missing, altered, or not linked to its predecessor. */
  firstBrokenSeq?: number;
}

export type StoredEvent = StoredEventColumns & { hash: string };

/** The committed tip of a chain (its head row), or none for a chain never written. */
export interface ChainTip {
  lastSeq: string;
  lastHash: string;
}

/**
 * Recomputes one chain, fed in seq order one batch at a time (constant memory). An event is
 * intact when its seq is the next one, its `prev_hash` is the previous event's `hash`, and its
 * `hash` is the recomputed one. The last event must also be the head's tip, so deleting the
 * newest events is detected too.
 */
export class ChainVerifier {
  private expectedSeq = 1n;
  private prevHash = GENESIS_HASH;
  private intact = 0;
  private brokenAt: bigint | undefined;
  private readonly tipSeq: bigint;

  constructor(private readonly tip: ChainTip | undefined) {
    this.tipSeq = tip ? BigInt(tip.lastSeq) : 0n;
  }

  /** The seq after which to read the next batch. */
  get after(): bigint {
    return this.expectedSeq - 1n;
  }

  /** True when no more events need reading: broken, or the tip was reached. */
  get done(): boolean {
    return this.brokenAt !== undefined || this.expectedSeq > this.tipSeq;
  }

  /** Checks the next events in seq order; stops at the first broken one. */
  push(events: StoredEvent[]): void {
    for (const event of events) {
      if (this.done) return;
      const seq = BigInt(event.seq);
      if (seq !== this.expectedSeq || event.prevHash !== this.prevHash) {
        // A gap (deleted event) breaks the chain at the first missing seq.
        this.brokenAt = this.expectedSeq;
        return;
      }
      const recomputed = eventHash(hashedEventOf(event));
      const isTip = seq === this.tipSeq;
      if (recomputed !== event.hash || (isTip && event.hash !== this.tip?.lastHash)) {
        this.brokenAt = seq;
        return;
      }
      this.prevHash = event.hash;
      this.expectedSeq = seq + 1n;
      this.intact += 1;
    }
  }

  /** The verdict once the reader ran out of events (or `done` said stop). */
  result(): ChainVerification {
    // Fewer events than the tip says: the newest ones are missing.
    const brokenAt =
      this.brokenAt ?? (this.expectedSeq <= this.tipSeq ? this.expectedSeq : undefined);
    return brokenAt === undefined
      ? { ok: true, checked: this.intact }
      : { ok: false, checked: this.intact, firstBrokenSeq: Number(brokenAt) };
  }
}
