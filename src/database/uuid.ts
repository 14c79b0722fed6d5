import { randomFillSync } from 'node:crypto';

/** Random bytes are drawn this many ids at a time (one system call per pool, not per id). */
const POOL_IDS = 256;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

const pool = Buffer.alloc(16 * POOL_IDS);
let poolOffset = pool.length;
let lastMs = -Infinity;
let seq = 0;

/**
 * Primary keys are UUIDv7 made by the application: time-ordered, and no database default
 * needed. RFC 9562 layout: 48-bit Unix milliseconds, version 7, a 31-bit counter seeded at
 * random each millisecond and incremented within it (ids made by one process sort in creation
 * order; a counter overflow borrows the next millisecond), the variant, then 32 random bits.
 * The same layout as the `uuid` package's `v7()`, with the randomness drawn from a pool: the
 * audit log and the reminder scheduler make hundreds of ids per transaction.
 */
export function newId(): string {
  if (poolOffset + 16 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const r = poolOffset;
  poolOffset += 16;
  const now = Date.now();
  if (now > lastMs) {
    seq = ((pool[r + 6] & 0x7f) << 24) | (pool[r + 7] << 16) | (pool[r + 8] << 8) | pool[r + 9];
    lastMs = now;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs += 1;
  }
  const ms = lastMs;
  const b = [
    (ms / 0x10000000000) & 0xff,
    (ms / 0x100000000) & 0xff,
    (ms / 0x1000000) & 0xff,
    (ms / 0x10000) & 0xff,
    (ms / 0x100) & 0xff,
    ms & 0xff,
    0x70 | ((seq >>> 28) & 0x0f),
    (seq >>> 20) & 0xff,
    0x80 | ((seq >>> 14) & 0x3f),
    (seq >>> 6) & 0xff,
    ((seq << 2) & 0xff) | (pool[r + 10] & 0x03),
    pool[r + 11],
    pool[r + 12],
    pool[r + 13],
    pool[r + 14],
    pool[r + 15],
  ];
  return (
    `${HEX[b[0]]}${HEX[b[1]]}${HEX[b[2]]}${HEX[b[3]]}-${HEX[b[4]]}${HEX[b[5]]}-` +
    `${HEX[b[6]]}${HEX[b[7]]}-${HEX[b[8]]}${HEX[b[9]]}-` +
    `${HEX[b[10]]}${HEX[b[11]]}${HEX[b[12]]}${HEX[b[13]]}${HEX[b[14]]}${HEX[b[15]]}`
  );
}
