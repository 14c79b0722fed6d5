import {
  bucketOf,
  bucketValue,
  HISTOGRAM_MAX_ERROR,
  HISTOGRAM_THRESHOLDS,
  histogramBucket,
  histogramPercentiles,
  nearestMidnight,
  nearestRank,
} from './flow.rollups.js';

describe('flow rollup arithmetic', () => {
  it('bins durations as width_bucket over the thresholds does', () => {
    expect(histogramBucket(-5)).toBe(0);
    expect(histogramBucket(0)).toBe(0);
    expect(histogramBucket(1)).toBe(1);
    expect(histogramBucket(16)).toBe(16);
    expect(histogramBucket(17)).toBe(16);
    expect(histogramBucket(18)).toBe(17);
    expect(histogramBucket(1e12)).toBe(HISTOGRAM_THRESHOLDS.length);
    for (let k = 1; k < HISTOGRAM_THRESHOLDS.length; k += 1) {
      expect(histogramBucket(HISTOGRAM_THRESHOLDS[k - 1])).toBe(k);
      expect(histogramBucket(HISTOGRAM_THRESHOLDS[k] - 1)).toBe(k);
    }
  });

  it('reports each bucket within the stated error of every duration in it', () => {
    for (let k = 1; k < HISTOGRAM_THRESHOLDS.length; k += 1) {
      const value = bucketValue(k);
      for (const s of [HISTOGRAM_THRESHOLDS[k - 1], HISTOGRAM_THRESHOLDS[k] - 1]) {
        const bound = s >= 60 ? s * HISTOGRAM_MAX_ERROR : 2;
        expect(Math.abs(value - s)).toBeLessThanOrEqual(bound);
      }
    }
    expect(bucketValue(0)).toBe(0);
    expect(bucketValue(5)).toBe(5);
  });

  it('picks nearest ranks as percentile_disc does', () => {
    expect(nearestRank(0.5, 3)).toBe(2);
    expect(nearestRank(0.85, 20)).toBe(17);
    expect(nearestRank(0.95, 1)).toBe(1);
    const counts = new Map([
      [0, 1],
      [5, 2],
      [histogramBucket(3600), 7],
    ]);
    expect(histogramPercentiles(counts, [0.1, 0.3, 0.5])).toEqual({
      values: [0, 5, bucketValue(histogramBucket(3600))],
      samples: 10,
    });
    expect(histogramPercentiles(new Map(), [0.5])).toEqual({ values: [null], samples: 0 });
  });

  it('cuts 15-minute buckets and finds the nearest UTC midnight', () => {
    expect(bucketOf(new Date('2026-10-25T22:44:59.999Z')).toISOString()).toBe(
      '2026-10-25T22:30:00.000Z',
    );
    expect(nearestMidnight(new Date('2026-10-25T22:00:00Z')).toISOString()).toBe(
      '2026-10-26T00:00:00.000Z',
    );
    expect(nearestMidnight(new Date('2026-10-26T05:00:00Z')).toISOString()).toBe(
      '2026-10-26T00:00:00.000Z',
    );
  });
});
