import { FakeClock } from '../kernel/clock.js';
import { MemoryThrottlerStorage } from './memory-throttler-storage.js';

describe('MemoryThrottlerStorage', () => {
  const clock = new FakeClock(1_000_000);
  const storage = new MemoryThrottlerStorage(clock);
  afterAll(() => storage.close());

  it('counts per caller in fixed windows and blocks past the limit', async () => {
    for (let i = 1; i <= 3; i++) {
      expect(await storage.increment('a', 60_000, 3, 60_000, 'default')).toMatchObject({
        totalHits: i,
        isBlocked: false,
        timeToExpire: 60,
      });
    }
    const over = await storage.increment('a', 60_000, 3, 60_000, 'default');
    expect(over).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 60 });
    expect((await storage.increment('b', 60_000, 3, 60_000, 'default')).isBlocked).toBe(false);
    clock.advance(60_000);
    expect(await storage.increment('a', 60_000, 3, 60_000, 'default')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('stays O(1) per request and forgets finished windows', async () => {
    for (let i = 0; i < 200_000; i++) await storage.increment('busy', 60_000, 1e9, 60_000, 'x');
    expect((await storage.increment('busy', 60_000, 1e9, 60_000, 'x')).totalHits).toBe(200_001);
    clock.advance(120_000);
    storage.evict();
    expect(storage.size).toBe(0);
  });
});
