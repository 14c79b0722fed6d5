import type { EntityManager } from 'typeorm';

/**
 * The dashboard's rollups and the arithmetic shared by the projector (which maintains them),
 * the queries (which read them) and the reconciler (which recounts them):
 *
 * - `dashboard_flow_buckets` / `dashboard_flow_days`: per (board, column, 15-minute UTC bucket)
 *   and per (board, column, UTC day) the net change of open cards in the column (`net`) and the
 *   cards that finished there (`finished`, a finish undone by a reopen or a delete is taken
 *   back from its bucket). Every IANA zone's offset today is a multiple of 15 minutes, so a
 *   day cut in any zone starts and ends on a bucket boundary.
 * - `dashboard_flow_times`: per (board, UTC day of finish) a log-scale histogram of cycle and
 *   lead times (`HISTOGRAM_THRESHOLDS`).
 * - `dashboard_wip_months`: per (board, UTC month of start) the cards in progress.
 * - `dashboard_due_hours`: per (board, UTC hour of the due date) the active, unfinished cards.
 */

export const BUCKET_MS = 15 * 60 * 1000;
export const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Lower bounds (whole seconds) of the histogram buckets: ceil(2^(j/8)) for j = 0..240,
 * duplicates dropped (224 buckets). Bucket `k` (1-based) holds [T[k-1], T[k]); bucket 0 holds
 * durations below one second. Each bucket spans a ratio of about 2^(1/8), so its reported value
 * (`bucketValue`) is within `HISTOGRAM_MAX_ERROR` (4.4 %) of any duration of a minute or more in
 * it, and within 2 s below a minute (the first 16 buckets are single seconds: exact). SQL bins with `width_bucket(s, T)`, JS with
 * `histogramBucket`: the same integers, the same answer.
 */
export const HISTOGRAM_THRESHOLDS: readonly number[] = [
  ...new Set(Array.from({ length: 241 }, (_, j) => Math.ceil(2 ** (j / 8)))),
];

/** The largest relative error of a histogram percentile of a minute or more (README). */
export const HISTOGRAM_MAX_ERROR = 0.0445;

/**
 * Percentiles over at most this many samples are computed exactly from the cards (an index
 * range over at most this many finished cards per board); above it, from the histograms.
 */
export const EXACT_SAMPLE_MAX = 100;

/** `width_bucket(seconds, HISTOGRAM_THRESHOLDS)`: how many lower bounds are ≤ `seconds`. */
export function histogramBucket(seconds: number): number {
  let lo = 0;
  let hi = HISTOGRAM_THRESHOLDS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (HISTOGRAM_THRESHOLDS[mid] <= seconds) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The duration reported for a bucket: 0, the single second it holds, or the value that
 * minimizes the largest relative error over the bucket (2·low·high / (low + high)).
 */
export function bucketValue(bucket: number): number {
  if (bucket <= 0) return 0;
  const low = HISTOGRAM_THRESHOLDS[bucket - 1];
  const next = HISTOGRAM_THRESHOLDS[bucket];
  if (next === undefined) return low;
  const high = next - 1;
  return Math.round((2 * low * high) / (low + high));
}

/** The rank nearest-rank (`percentile_disc`) picks: the smallest k with k / n ≥ p. */
export const nearestRank = (p: number, n: number): number => Math.max(1, Math.ceil(p * n));

/** Nearest-rank percentiles from histogram counts (`counts` by bucket). */
export function histogramPercentiles(
  counts: ReadonlyMap<number, number>,
  ps: readonly number[],
): { values: Array<number | null>; samples: number } {
  const buckets = [...counts.entries()].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const samples = buckets.reduce((n, [, c]) => n + c, 0);
  const values = ps.map((p) => {
    if (samples === 0) return null;
    const rank = nearestRank(p, samples);
    let seen = 0;
    for (const [bucket, n] of buckets) {
      seen += n;
      if (seen >= rank) return bucketValue(bucket);
    }
    return null;
  });
  return { values, samples };
}

/** Whole seconds from `a` to `b` (floor), as SQL's `floor(extract(epoch FROM b - a))`. */
export const secondsBetween = (a: Date, b: Date): number =>
  Math.floor((b.getTime() - a.getTime()) / 1000);

export const bucketOf = (t: Date): Date =>
  new Date(Math.floor(t.getTime() / BUCKET_MS) * BUCKET_MS);
export const hourOf = (t: Date): Date => new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);
export const utcDay = (t: Date): string => t.toISOString().slice(0, 10);
export const utcMonth = (t: Date): string => `${t.toISOString().slice(0, 7)}-01`;
/** The UTC midnight nearest to `t` (ties go forward). */
export const nearestMidnight = (t: Date): Date =>
  new Date(Math.floor((t.getTime() + DAY_MS / 2) / DAY_MS) * DAY_MS);

/** A card's flow state, as far as the rollups care (null: the card does not exist). */
export interface FlowState {
  boardId: string;
  columnId: string;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  archivedAt: Date | null;
  dueAt: Date | null;
}

/** The SELECT list that reads a `FlowState` from `dashboard_cards` (alias optional). */
export const flowStateColumns = (alias = ''): string => {
  const a = alias ? `${alias}.` : '';
  return `${a}board_id AS "boardId", ${a}column_id AS "columnId", ${a}created_at AS "createdAt",
          ${a}started_at AS "startedAt", ${a}finished_at AS "finishedAt",
          ${a}archived_at AS "archivedAt", ${a}due_at AS "dueAt"`;
};

const date = (v: Date | string | null): Date | null =>
  v === null ? null : v instanceof Date ? v : new Date(v);

/** Normalizes a row read with `flowStateColumns` (drivers may hand back strings). */
export function flowState(row: FlowState): FlowState {
  return {
    boardId: row.boardId,
    columnId: row.columnId,
    createdAt: date(row.createdAt)!,
    startedAt: date(row.startedAt),
    finishedAt: date(row.finishedAt),
    archivedAt: date(row.archivedAt),
    dueAt: date(row.dueAt ?? null),
  };
}

interface FlowDelta {
  boardId: string;
  columnId: string;
  at: string;
  net: number;
  finished: number;
}
interface TimeDelta {
  boardId: string;
  day: string;
  bucket: number;
  cycle: number;
  lead: number;
}
interface DueDelta {
  boardId: string;
  hour: string;
  cards: number;
}
interface WipDelta {
  boardId: string;
  month: string;
  cards: number;
}

/**
 * The rollup changes of a batch of card changes, accumulated as "take the old state out, put
 * the new one in" (what did not change cancels), then written with one upsert per table in
 * key order (so two writers lock rows in the same order).
 */
export class RollupDeltas {
  private readonly buckets = new Map<string, FlowDelta>();
  private readonly days = new Map<string, FlowDelta>();
  private readonly times = new Map<string, TimeDelta>();
  private readonly wip = new Map<string, WipDelta>();
  private readonly due = new Map<string, DueDelta>();

  /** A card went from `before` to `after` (either null: created / deleted) at `at`. */
  change(before: FlowState | null, after: FlowState | null, at: Date): void {
    if (before) this.add(before, at, -1);
    if (after) this.add(after, at, 1);
  }

  private add(s: FlowState, at: Date, sign: number): void {
    if (s.archivedAt === null) this.flow(s.boardId, s.columnId, at, sign, 0);
    if (s.finishedAt !== null) {
      this.flow(s.boardId, s.columnId, s.finishedAt, 0, sign);
      const day = utcDay(s.finishedAt);
      if (s.startedAt !== null) {
        this.time(
          s.boardId,
          day,
          histogramBucket(secondsBetween(s.startedAt, s.finishedAt)),
          sign,
          0,
        );
      }
      this.time(
        s.boardId,
        day,
        histogramBucket(secondsBetween(s.createdAt, s.finishedAt)),
        0,
        sign,
      );
    }
    if (s.startedAt !== null && s.finishedAt === null && s.archivedAt === null) {
      const month = utcMonth(s.startedAt);
      const key = `${s.boardId}|${month}`;
      const d = this.wip.get(key) ?? { boardId: s.boardId, month, cards: 0 };
      d.cards += sign;
      this.wip.set(key, d);
    }
    if (s.dueAt !== null && s.finishedAt === null && s.archivedAt === null) {
      const hour = hourOf(s.dueAt).toISOString();
      const key = `${s.boardId}|${hour}`;
      const d = this.due.get(key) ?? { boardId: s.boardId, hour, cards: 0 };
      d.cards += sign;
      this.due.set(key, d);
    }
  }

  private flow(boardId: string, columnId: string, t: Date, net: number, finished: number): void {
    for (const [map, at] of [
      [this.buckets, bucketOf(t).toISOString()],
      [this.days, utcDay(t)],
    ] as const) {
      const key = `${boardId}|${at}|${columnId}`;
      const d = map.get(key) ?? { boardId, columnId, at, net: 0, finished: 0 };
      d.net += net;
      d.finished += finished;
      map.set(key, d);
    }
  }

  private time(boardId: string, day: string, bucket: number, cycle: number, lead: number): void {
    const key = `${boardId}|${day}|${String(bucket).padStart(4, '0')}`;
    const d = this.times.get(key) ?? { boardId, day, bucket, cycle: 0, lead: 0 };
    d.cycle += cycle;
    d.lead += lead;
    this.times.set(key, d);
  }

  async write(em: EntityManager, ws: string): Promise<void> {
    const changed = <T>(map: Map<string, T>, nonZero: (d: T) => boolean): T[] =>
      [...map.entries()]
        .filter(([, d]) => nonZero(d))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, d]) => d);
    for (const [table, key, type] of [
      ['dashboard_flow_buckets', 'bucket', 'timestamptz'],
      ['dashboard_flow_days', 'day', 'date'],
    ] as const) {
      const rows = changed(table === 'dashboard_flow_buckets' ? this.buckets : this.days, (d) =>
        Boolean(d.net || d.finished),
      );
      if (rows.length === 0) continue;
      await em.query(
        `INSERT INTO ${table} AS t (workspace_id, board_id, ${key}, column_id, net, finished)
         SELECT $1, * FROM unnest($2::uuid[], $3::${type}[], $4::uuid[], $5::int[], $6::int[])
         ON CONFLICT (workspace_id, board_id, ${key}, column_id) DO UPDATE
           SET net = t.net + excluded.net, finished = t.finished + excluded.finished`,
        [
          ws,
          rows.map((r) => r.boardId),
          rows.map((r) => r.at),
          rows.map((r) => r.columnId),
          rows.map((r) => r.net),
          rows.map((r) => r.finished),
        ],
      );
    }
    const times = changed(this.times, (d) => Boolean(d.cycle || d.lead));
    if (times.length) {
      await em.query(
        `INSERT INTO dashboard_flow_times AS t (workspace_id, board_id, day, bucket, cycle, lead)
         SELECT $1, * FROM unnest($2::uuid[], $3::date[], $4::smallint[], $5::int[], $6::int[])
         ON CONFLICT (workspace_id, board_id, day, bucket) DO UPDATE
           SET cycle = t.cycle + excluded.cycle, lead = t.lead + excluded.lead`,
        [
          ws,
          times.map((r) => r.boardId),
          times.map((r) => r.day),
          times.map((r) => r.bucket),
          times.map((r) => r.cycle),
          times.map((r) => r.lead),
        ],
      );
    }
    const wip = changed(this.wip, (d) => d.cards !== 0);
    if (wip.length) {
      await em.query(
        `INSERT INTO dashboard_wip_months AS t (workspace_id, board_id, month, cards)
         SELECT $1, * FROM unnest($2::uuid[], $3::date[], $4::int[])
         ON CONFLICT (workspace_id, board_id, month) DO UPDATE SET cards = t.cards + excluded.cards`,
        [ws, wip.map((r) => r.boardId), wip.map((r) => r.month), wip.map((r) => r.cards)],
      );
    }
    const due = changed(this.due, (d) => d.cards !== 0);
    if (due.length) {
      const params = [
        ws,
        due.map((r) => r.boardId),
        due.map((r) => r.hour),
        due.map((r) => r.cards),
      ];
      await em.query(
        `INSERT INTO dashboard_due_hours AS t (workspace_id, board_id, hour, cards)
         SELECT $1, * FROM unnest($2::uuid[], $3::timestamptz[], $4::int[])
         ON CONFLICT (workspace_id, board_id, hour) DO UPDATE SET cards = t.cards + excluded.cards`,
        params,
      );
      // Rows of hours no card is due in any more go: the panel reads every row.
      await em.query(
        `DELETE FROM dashboard_due_hours
          WHERE workspace_id = $1 AND cards = 0
            AND (board_id, hour) IN (SELECT * FROM unnest($2::uuid[], $3::timestamptz[]))`,
        params.slice(0, 3),
      );
    }
    this.due.clear();
    this.buckets.clear();
    this.days.clear();
    this.times.clear();
    this.wip.clear();
  }
}

/** `floor(t to 15 minutes)` and the UTC day of `t`, in SQL (as `bucketOf` and `utcDay`). */
const SQL_BUCKET = (t: string) => `to_timestamp(floor(extract(epoch FROM ${t}) / 900) * 900)`;
const SQL_DAY = (t: string) => `(${t} AT TIME ZONE 'UTC')::date`;
const SQL_SECONDS = (a: string, b: string) => `floor(extract(epoch FROM ${b} - ${a}))::bigint`;

/** Each rollup table recounted from the source rows (`dashboard_cards`, `dashboard_intervals`). */
const RECOUNTS: ReadonlyArray<{ table: string; keys: string[]; values: string[]; sql: string }> = [
  ...(['bucket', 'day'] as const).map((grain) => {
    const at = grain === 'bucket' ? SQL_BUCKET : SQL_DAY;
    return {
      table: grain === 'bucket' ? 'dashboard_flow_buckets' : 'dashboard_flow_days',
      keys: ['board_id', grain, 'column_id'],
      values: ['net', 'finished'],
      sql: `SELECT board_id, at AS ${grain}, column_id, sum(net)::int AS net,
                   sum(finished)::int AS finished
              FROM (SELECT board_id, ${at('entered_at')} AS at, column_id, 1 AS net, 0 AS finished
                      FROM dashboard_intervals WHERE workspace_id = $1
                    UNION ALL
                    SELECT board_id, ${at('left_at')}, column_id, -1, 0
                      FROM dashboard_intervals WHERE workspace_id = $1 AND left_at IS NOT NULL
                    UNION ALL
                    SELECT board_id, ${at('finished_at')}, column_id, 0, 1
                      FROM dashboard_cards WHERE workspace_id = $1 AND finished_at IS NOT NULL) x
             GROUP BY board_id, at, column_id`,
    };
  }),
  {
    table: 'dashboard_flow_times',
    keys: ['board_id', 'day', 'bucket'],
    values: ['cycle', 'lead'],
    sql: `SELECT board_id, day, bucket, sum(cycle)::int AS cycle, sum(lead)::int AS lead
            FROM (SELECT board_id, ${SQL_DAY('finished_at')} AS day,
                         width_bucket(${SQL_SECONDS('started_at', 'finished_at')}, $2::bigint[])
                           AS bucket, 1 AS cycle, 0 AS lead
                    FROM dashboard_cards
                   WHERE workspace_id = $1 AND finished_at IS NOT NULL AND started_at IS NOT NULL
                  UNION ALL
                  SELECT board_id, ${SQL_DAY('finished_at')},
                         width_bucket(${SQL_SECONDS('created_at', 'finished_at')}, $2::bigint[]), 0, 1
                    FROM dashboard_cards WHERE workspace_id = $1 AND finished_at IS NOT NULL) x
           GROUP BY board_id, day, bucket`,
  },
  {
    table: 'dashboard_due_hours',
    keys: ['board_id', 'hour'],
    values: ['cards'],
    sql: `SELECT board_id, to_timestamp(floor(extract(epoch FROM due_at) / 3600) * 3600) AS hour,
                 count(*)::int AS cards
            FROM dashboard_cards
           WHERE workspace_id = $1 AND due_at IS NOT NULL AND finished_at IS NULL
             AND archived_at IS NULL
           GROUP BY 1, 2`,
  },
  {
    table: 'dashboard_wip_months',
    keys: ['board_id', 'month'],
    values: ['cards'],
    sql: `SELECT board_id, date_trunc('month', started_at AT TIME ZONE 'UTC')::date AS month,
                 count(*)::int AS cards
            FROM dashboard_cards
           WHERE workspace_id = $1 AND started_at IS NOT NULL AND finished_at IS NULL
             AND archived_at IS NULL
           GROUP BY 1, 2`,
  },
];

export interface RollupRepairs {
  /** Rollup rows set right (added, changed or zeroed), by table. */
  [table: string]: number;
}

/**
 * Recounts every rollup of a workspace from the source rows and repairs the differences by
 * adding them (so a change committed meanwhile is not overwritten: under REPEATABLE READ it
 * makes the caller's transaction fail to serialize instead). Reads all of the workspace's
 * cards and stays: for the reconciliation job and seeding, never for a request.
 */
export async function repairRollups(
  em: Pick<EntityManager, 'query'>,
  ws: string,
): Promise<RollupRepairs> {
  const repairs: RollupRepairs = {};
  for (const { table, keys, values, sql } of RECOUNTS) {
    const on = keys.map((k) => `s.${k} = e.${k}`).join(' AND ');
    const rows = (await em.query(
      `WITH expected AS (${sql}),
       stored AS (SELECT ${[...keys, ...values].join(', ')} FROM ${table} WHERE workspace_id = $1),
       diff AS (
         SELECT ${keys.map((k) => `COALESCE(e.${k}, s.${k}) AS ${k}`).join(', ')},
                ${values.map((v) => `COALESCE(e.${v}, 0) - COALESCE(s.${v}, 0) AS ${v}`).join(', ')}
           FROM expected e FULL JOIN stored s ON ${on}),
       fixed AS (
         INSERT INTO ${table} AS t (workspace_id, ${[...keys, ...values].join(', ')})
         SELECT $1, ${[...keys, ...values].join(', ')} FROM diff
          WHERE ${values.map((v) => `${v} <> 0`).join(' OR ')}
         ON CONFLICT (workspace_id, ${keys.join(', ')}) DO UPDATE
           SET ${values.map((v) => `${v} = t.${v} + excluded.${v}`).join(', ')}
         RETURNING 1)
       SELECT count(*)::int AS n FROM fixed`,
      table === 'dashboard_flow_times' ? [ws, HISTOGRAM_THRESHOLDS] : [ws],
    )) as Array<{ n: number }>;
    repairs[table] = rows[0].n;
  }
  return repairs;
}
