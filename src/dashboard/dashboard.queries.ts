import type { EntityManager } from 'typeorm';
import {
  EXACT_SAMPLE_MAX,
  histogramBucket,
  HOUR_MS,
  hourOf,
  histogramPercentiles,
  nearestMidnight,
  nearestRank,
  utcDay,
} from './flow.rollups.js';

/**
 * The dashboard's SQL, in one place. It reads only the dashboard's own tables; each query is
 * an index range (see the entities) over rollups, a handful of column rows, or a bounded range
 * of cards (an edge day, one month's cards in progress, at most `EXACT_SAMPLE_MAX` finished
 * cards), never a scan of a board's cards or stays. Rows with `boardId` null are the workspace totals (GROUPING SETS).
 */

export const PERCENTILES = [0.5, 0.85, 0.95] as const;
export const AGE_PERCENTILES = [0.5, 0.85] as const;

/** Workspace-wide figures leave archived boards out, as the dashboard's board list does. */
const ON_LIVE_BOARDS = `board_id NOT IN (SELECT a.id FROM dashboard_boards a
                          WHERE a.workspace_id = $1 AND a.archived_at IS NOT NULL)`;
/** One board (`$2`), or every live board of the workspace. */
const boardFilter = (boardId: string | null): string =>
  boardId ? 'board_id = $2' : `$2::uuid IS NULL AND ${ON_LIVE_BOARDS}`;

export interface ColumnCountRow {
  boardId: string;
  boardName: string;
  columnId: string | null;
  name: string | null;
  wipLimit: number | null;
  isDone: boolean | null;
  openCards: number | null;
  archivedCards: number | null;
}

/** Boards (not archived) and their columns in board order, with the maintained counters. */
export function columnCounts(em: EntityManager, ws: string): Promise<ColumnCountRow[]> {
  return em.query(
    `SELECT b.id AS "boardId", b.name AS "boardName", c.column_id AS "columnId", c.name,
            c.wip_limit AS "wipLimit", c.is_done AS "isDone", c.open_cards AS "openCards",
            c.archived_cards AS "archivedCards"
       FROM dashboard_boards b
       LEFT JOIN dashboard_columns c ON c.workspace_id = b.workspace_id AND c.board_id = b.id
      WHERE b.workspace_id = $1 AND b.archived_at IS NULL
      ORDER BY b.name, b.id, c.position, c.column_id`,
    [ws],
  ) as Promise<ColumnCountRow[]>;
}

export interface DueRow {
  boardId: string | null;
  overdue: number;
  dueWithin24h: number;
  dueWithin7d: number;
}

/**
 * Active, unfinished cards by due date: overdue, due in 24 h, due in 7 days (not overdue), per
 * live board and in total. From the due-hour rollups (one row per board and distinct due hour
 * of such cards, summed in SQL), except the three hours the windows cut (the hours holding now, now + 24 h and
 * now + 7 d), whose cards are read by an index range on `due_at` and placed exactly.
 */
export async function dueCounts(em: EntityManager, ws: string, now: Date): Promise<DueRow[]> {
  const day = now.getTime() + 24 * HOUR_MS;
  const week = now.getTime() + 7 * 24 * HOUR_MS;
  const cut = [now.getTime(), day, week].map((t) => hourOf(new Date(t)).getTime());
  // Every hour but the cut ones lies wholly on one side of each edge: summed in SQL.
  const hours = (await em.query(
    `SELECT board_id AS "boardId",
            COALESCE(sum(cards) FILTER (WHERE hour < $2), 0)::int AS overdue,
            COALESCE(sum(cards) FILTER (WHERE hour > $2 AND hour < $3), 0)::int AS "dueWithin24h",
            COALESCE(sum(cards) FILTER (WHERE hour > $2 AND hour < $4), 0)::int AS "dueWithin7d"
       FROM dashboard_due_hours
      WHERE workspace_id = $1 AND cards <> 0 AND hour <> ALL($5::timestamptz[])
        AND ${ON_LIVE_BOARDS}
      GROUP BY GROUPING SETS ((board_id), ())`,
    [ws, ...cut.map((t) => new Date(t)), cut.map((t) => new Date(t).toISOString())],
  )) as DueRow[];
  // Three index ranges on (workspace_id, due_at): an OR of them would scan the table.
  const edge = (k: number) => `SELECT board_id AS "boardId", due_at AS "dueAt" FROM dashboard_cards
      WHERE workspace_id = $1 AND due_at IS NOT NULL AND archived_at IS NULL
        AND finished_at IS NULL AND ${ON_LIVE_BOARDS}
        AND due_at >= $${2 + 2 * k} AND due_at < $${3 + 2 * k}`;
  const edges = (await em.query([0, 1, 2].map(edge).join(' UNION ALL '), [
    ws,
    ...cut.flatMap((t) => [new Date(t), new Date(t + HOUR_MS)]),
  ])) as Array<{ boardId: string; dueAt: Date | string }>;
  const rows = new Map<string | null, DueRow>(hours.map((r) => [r.boardId, r]));
  const add = (boardId: string, field: 'overdue' | 'dueWithin24h' | 'dueWithin7d', n: number) => {
    for (const key of [boardId, null]) {
      let r = rows.get(key);
      if (!r) rows.set(key, (r = { boardId: key, overdue: 0, dueWithin24h: 0, dueWithin7d: 0 }));
      r[field] += n;
    }
  };
  const place = (boardId: string, t: number, n: number) => {
    if (t < now.getTime()) add(boardId, 'overdue', n);
    else if (t < week) {
      add(boardId, 'dueWithin7d', n);
      if (t < day) add(boardId, 'dueWithin24h', n);
    }
  };
  for (const e of edges) place(e.boardId, new Date(e.dueAt).getTime(), 1);
  return [...rows.values()];
}

export interface DayCountRow {
  boardId: string | null;
  day: string;
  count: number;
}

/**
 * Cards finished (and not reopened) per UTC day from `sinceDay` on, per live board and in
 * total: the `finished` sums of the day rollups (an index range over the days, one row per
 * board and day).
 */
export function throughputByUtcDay(
  em: EntityManager,
  ws: string,
  sinceDay: string,
): Promise<DayCountRow[]> {
  return em.query(
    `SELECT board_id AS "boardId", to_char(day, 'YYYY-MM-DD') AS day, sum(finished)::int AS count
       FROM dashboard_flow_days
      WHERE workspace_id = $1 AND day >= $2::date AND finished <> 0 AND ${ON_LIVE_BOARDS}
      GROUP BY GROUPING SETS ((board_id, day), (day))`,
    [ws, sinceDay],
  ) as Promise<DayCountRow[]>;
}

export interface PercentileRow {
  boardId: string | null;
  cycle: number[] | null;
  cycleSamples: number;
  lead: number[] | null;
  leadSamples: number;
}

/**
 * Cycle time (finished − started) and lead time (finished − created), in seconds, of the cards
 * finished in [start, end): nearest-rank percentiles (`percentile_disc`), exact. Reads every
 * such card (an index range on `finished_at`): used only when the histograms say they are few
 * (`EXACT_SAMPLE_MAX`). `boardId`: one board, some boards, or (null) every live board.
 */
export function flowTimes(
  em: EntityManager,
  ws: string,
  boardId: string | string[] | null,
  start: Date,
  end: Date,
): Promise<PercentileRow[]> {
  return em.query(
    `SELECT board_id AS "boardId",
            percentile_disc($5::float8[]) WITHIN GROUP (
              ORDER BY extract(epoch FROM finished_at - started_at)::float8)
              FILTER (WHERE started_at IS NOT NULL) AS cycle,
            count(started_at)::int AS "cycleSamples",
            percentile_disc($5::float8[]) WITHIN GROUP (
              ORDER BY extract(epoch FROM finished_at - created_at)::float8) AS lead,
            count(*)::int AS "leadSamples"
       FROM dashboard_cards
      WHERE workspace_id = $1
        AND ${Array.isArray(boardId) ? 'board_id = ANY($2::uuid[])' : boardFilter(boardId)}
        AND finished_at IS NOT NULL AND finished_at >= $3 AND finished_at < $4
      GROUP BY GROUPING SETS ((board_id), ())`,
    [ws, boardId, start, end, PERCENTILES],
  ) as Promise<PercentileRow[]>;
}

export interface AgeRow {
  boardId: string | null;
  ages: number[] | null;
}

export interface WipMonthRow {
  boardId: string;
  month: string;
  cards: number;
}

/** Cards in progress per live board and UTC month of start (a few rows per board). */
export function wipMonths(em: EntityManager, ws: string): Promise<WipMonthRow[]> {
  return em.query(
    `SELECT board_id AS "boardId", to_char(month, 'YYYY-MM-DD') AS month, cards
       FROM dashboard_wip_months
      WHERE workspace_id = $1 AND cards <> 0 AND ${ON_LIVE_BOARDS}`,
    [ws],
  ) as Promise<WipMonthRow[]>;
}

export interface WipProbe {
  /** null: every live board. */
  boardId: string | null;
  /** First day of the UTC month. */
  month: string;
  /** How many cards of the month started later than the one wanted. */
  offset: number;
}

/**
 * The start time of each probe's card: within the probe's month, the cards in progress by
 * `started_at` descending, skipping `offset` (an index range over one month of one board, or
 * of the workspace's live boards).
 */
export async function wipProbes(
  em: EntityManager,
  ws: string,
  probes: readonly WipProbe[],
): Promise<Array<Date | null>> {
  const out: Array<Date | null> = probes.map(() => null);
  const inProgress = `started_at IS NOT NULL AND archived_at IS NULL AND finished_at IS NULL
          AND started_at >= p.month::timestamp AT TIME ZONE 'UTC'
          AND started_at < (p.month + interval '1 month')::timestamp AT TIME ZONE 'UTC'`;
  for (const board of [true, false]) {
    const picked = probes
      .map((p, i) => ({ ...p, i }))
      .filter((p) => (p.boardId !== null) === board);
    if (picked.length === 0) continue;
    const rows = (await em.query(
      `SELECT p.i, (SELECT started_at FROM dashboard_cards
                     WHERE workspace_id = $1 AND ${board ? 'board_id = p.board_id' : ON_LIVE_BOARDS}
                       AND ${inProgress}
                     ORDER BY started_at DESC OFFSET p.skip LIMIT 1) AS "startedAt"
         FROM unnest($2::int[], $3::uuid[], $4::date[], $5::int[]) AS p(i, board_id, month, skip)`,
      [
        ws,
        picked.map((p) => p.i),
        picked.map((p) => p.boardId),
        picked.map((p) => p.month),
        picked.map((p) => p.offset),
      ],
    )) as Array<{ i: number; startedAt: Date | string | null }>;
    for (const r of rows) out[r.i] = r.startedAt === null ? null : new Date(r.startedAt);
  }
  return out;
}

/**
 * Work-item age (now − started) percentiles (p50, p85; nearest rank, exact) of the cards in
 * progress, per live board and in total. The month counts say which month holds the wanted
 * rank; one index read inside that month finds the card. No read of every card in progress.
 */
export async function ages(em: EntityManager, ws: string, now: Date): Promise<AgeRow[]> {
  const months = await wipMonths(em, ws);
  const groups = new Map<string | null, Map<string, number>>([[null, new Map()]]);
  for (const m of months) {
    for (const key of [m.boardId, null]) {
      const g = groups.get(key) ?? new Map<string, number>();
      g.set(m.month, (g.get(m.month) ?? 0) + m.cards);
      groups.set(key, g);
    }
  }
  const probes: WipProbe[] = [];
  const owners: Array<string | null> = [];
  for (const [boardId, g] of groups) {
    const newestFirst = [...g.entries()]
      .filter(([, n]) => n > 0)
      .sort((a, b) => (a[0] < b[0] ? 1 : -1));
    const total = newestFirst.reduce((n, [, c]) => n + c, 0);
    if (total === 0) continue;
    for (const p of AGE_PERCENTILES) {
      // Ages ascending = started_at descending: the rank-th newest start.
      const rank = nearestRank(p, total);
      let seen = 0;
      for (const [month, n] of newestFirst) {
        if (seen + n >= rank) {
          probes.push({ boardId, month, offset: rank - seen - 1 });
          break;
        }
        seen += n;
      }
    }
    owners.push(boardId);
  }
  const started = await wipProbes(em, ws, probes);
  return owners.map((boardId, k) => ({
    boardId,
    ages: started
      .slice(k * AGE_PERCENTILES.length, (k + 1) * AGE_PERCENTILES.length)
      .map((t) => (t === null ? Number.NaN : (now.getTime() - t.getTime()) / 1000)),
  }));
}

export interface OldestRow {
  boardId: string | null;
  cardId: string;
  columnId: string;
  startedAt: Date;
}

/** The `limit` oldest cards in progress of each board and of the workspace. */
export async function oldest(
  em: EntityManager,
  ws: string,
  boardIds: string[],
  limit: number,
): Promise<OldestRow[]> {
  const perBoard = (await em.query(
    `SELECT o.* FROM unnest($2::uuid[]) AS b(id) CROSS JOIN LATERAL (
       SELECT board_id AS "boardId", card_id AS "cardId", column_id AS "columnId",
              started_at AS "startedAt"
         FROM dashboard_cards
        WHERE workspace_id = $1 AND board_id = b.id AND started_at IS NOT NULL
          AND archived_at IS NULL AND finished_at IS NULL
        ORDER BY started_at, card_id LIMIT $3) o`,
    [ws, boardIds, limit],
  )) as OldestRow[];
  const total = (await em.query(
    `SELECT NULL AS "boardId", card_id AS "cardId", column_id AS "columnId", started_at AS "startedAt"
       FROM dashboard_cards
      WHERE workspace_id = $1 AND started_at IS NOT NULL AND archived_at IS NULL
        AND finished_at IS NULL AND ${ON_LIVE_BOARDS}
      ORDER BY started_at, card_id LIMIT $2`,
    [ws, limit],
  )) as OldestRow[];
  return [...perBoard, ...total];
}

export interface CfdRow {
  day: string;
  columnId: string;
  count: number;
}

export interface BoardColumnRow {
  columnId: string;
  openCards: number;
}

/** The board's columns in board order, with their maintained open-card counters. */
export function boardColumns(
  em: EntityManager,
  ws: string,
  boardId: string,
): Promise<BoardColumnRow[]> {
  return em.query(
    `SELECT column_id AS "columnId", open_cards AS "openCards" FROM dashboard_columns
      WHERE workspace_id = $1 AND board_id = $2 ORDER BY position, column_id`,
    [ws, boardId],
  ) as Promise<BoardColumnRow[]>;
}

/** The instants that cut days `from`..`to` in `tz`: the start of `from`, then each day's end. */
export async function dayCuts(
  em: EntityManager,
  from: string,
  days: number,
  tz: string,
): Promise<Date[]> {
  const rows = (await em.query(
    `SELECT (($1::date + i)::timestamp AT TIME ZONE $3) AS t
       FROM generate_series(0, $2::int) i ORDER BY i`,
    [from, days, tz],
  )) as Array<{ t: Date | string }>;
  return rows.map((r) => new Date(r.t));
}

export interface FlowRollupRow {
  columnId: string;
  /** UTC day (day rows) or the cut's index (window rows). */
  day: string;
  net: number;
  finished: number;
}

/** The board's day rollups from `fromDay` on (one row per column and UTC day). */
export function flowDays(
  em: EntityManager,
  ws: string,
  boardId: string,
  fromDay: string,
): Promise<FlowRollupRow[]> {
  return em.query(
    `SELECT column_id AS "columnId", to_char(day, 'YYYY-MM-DD') AS day, net, finished
       FROM dashboard_flow_days
      WHERE workspace_id = $1 AND board_id = $2 AND day >= $3::date`,
    [ws, boardId, fromDay],
  ) as Promise<FlowRollupRow[]>;
}

/** Sums of the board's 15-minute rollups in each window [lo, hi), per column. */
export function flowWindows(
  em: EntityManager,
  ws: string,
  boardId: string,
  windows: ReadonlyArray<{ key: string; lo: Date; hi: Date }>,
): Promise<FlowRollupRow[]> {
  if (windows.length === 0) return Promise.resolve([]);
  return em.query(
    // LATERAL with its own aggregate: one index range per window (a plain join may be planned
    // as one scan of the board's buckets compared with every window).
    `SELECT w.key AS day, x.column_id AS "columnId", x.net, x.finished
       FROM unnest($3::text[], $4::timestamptz[], $5::timestamptz[]) AS w(key, lo, hi)
       CROSS JOIN LATERAL (
         SELECT b.column_id, sum(b.net)::int AS net, sum(b.finished)::int AS finished
           FROM dashboard_flow_buckets b
          WHERE b.workspace_id = $1 AND b.board_id = $2 AND b.bucket >= w.lo AND b.bucket < w.hi
          GROUP BY b.column_id) x`,
    [
      ws,
      boardId,
      windows.map((w) => w.key),
      windows.map((w) => w.lo.toISOString()),
      windows.map((w) => w.hi.toISOString()),
    ],
  ) as Promise<FlowRollupRow[]>;
}

export interface BoardFlow {
  /** The instants cutting the days: `cuts[0]` the start of `from`, `cuts[k]` the end of day k. */
  cuts: Date[];
  throughput: DayCountRow[];
  cfd: CfdRow[];
  columns: BoardColumnRow[];
}

/**
 * Throughput per day and the cumulative flow (cards per column at the end of each day) for the
 * days `from`..`to` cut in `tz`, from the rollups. With after(t) = the changes at or after t:
 * cards in a column at the end of day D = its counter − net after(end of D); throughput of D =
 * finished after(start of D) − finished after(end of D). after(t) is the day rollups from the
 * UTC midnight nearest t on, corrected by the 15-minute rollups between t and that midnight
 * (at most 12 hours of them). Reads: one row per column and UTC day from `from` to today, plus
 * the windows; never a card or a stay.
 */
export async function boardFlow(
  em: EntityManager,
  ws: string,
  boardId: string,
  from: string,
  days: string[],
  tz: string,
): Promise<BoardFlow> {
  const cuts = await dayCuts(em, from, days.length, tz);
  const midnights = cuts.map(nearestMidnight);
  const columns = await boardColumns(em, ws, boardId);
  const dayRows = await flowDays(em, ws, boardId, utcDay(midnights[0]));
  const windows = cuts
    .map((t, i) => ({ key: String(i), t, m: midnights[i] }))
    .filter((w) => w.t.getTime() !== w.m.getTime())
    .map((w) => ({ key: w.key, lo: w.t < w.m ? w.t : w.m, hi: w.t < w.m ? w.m : w.t }));
  const windowRows = await flowWindows(em, ws, boardId, windows);
  // Per column: days ascending with suffix sums (changes on that day or later).
  const byColumn = new Map<string, { days: string[]; net: number[]; finished: number[] }>();
  const sorted = [...dayRows].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  for (const r of sorted) {
    const c = byColumn.get(r.columnId) ?? { days: [], net: [], finished: [] };
    c.days.push(r.day);
    c.net.push(r.net);
    c.finished.push(r.finished);
    byColumn.set(r.columnId, c);
  }
  for (const c of byColumn.values()) {
    for (let k = c.days.length - 2; k >= 0; k -= 1) {
      c.net[k] += c.net[k + 1];
      c.finished[k] += c.finished[k + 1];
    }
  }
  const suffix = (columnId: string, day: string): { net: number; finished: number } => {
    const c = byColumn.get(columnId);
    if (!c) return { net: 0, finished: 0 };
    let lo = 0;
    let hi = c.days.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (c.days[mid] < day) lo = mid + 1;
      else hi = mid;
    }
    return lo < c.days.length
      ? { net: c.net[lo], finished: c.finished[lo] }
      : { net: 0, finished: 0 };
  };
  const window = new Map(windowRows.map((r) => [`${r.day}|${r.columnId}`, r]));
  const columnIds = [
    ...new Set([
      ...columns.map((c) => c.columnId),
      ...dayRows.map((r) => r.columnId),
      ...windowRows.map((r) => r.columnId),
    ]),
  ];
  const after = cuts.map((t, i) => {
    const sign = t < midnights[i] ? 1 : -1;
    const day = utcDay(midnights[i]);
    return new Map(
      columnIds.map((columnId) => {
        const s = suffix(columnId, day);
        const w = window.get(`${i}|${columnId}`);
        return [
          columnId,
          { net: s.net + sign * (w?.net ?? 0), finished: s.finished + sign * (w?.finished ?? 0) },
        ];
      }),
    );
  });
  const open = new Map(columns.map((c) => [c.columnId, c.openCards]));
  const throughput: DayCountRow[] = [];
  const cfd: CfdRow[] = [];
  days.forEach((day, k) => {
    let finished = 0;
    for (const columnId of columnIds) {
      finished += after[k].get(columnId)!.finished - after[k + 1].get(columnId)!.finished;
      const count = (open.get(columnId) ?? 0) - after[k + 1].get(columnId)!.net;
      if (count !== 0) cfd.push({ day, columnId, count });
    }
    throughput.push({ boardId, day, count: finished });
  });
  return { cuts, throughput, cfd, columns };
}

export interface HistogramRow {
  boardId: string | null;
  bucket: number;
  cycle: number;
  lead: number;
}

/**
 * Cycle/lead histogram counts of the UTC days [fromDay, toDay), per board and in total. The
 * sums come back as one row per board holding its buckets as a JSON array of [bucket, cycle,
 * lead] (parsed by one `JSON.parse`), not as a row per board and bucket: a 30-day dashboard of
 * 51 boards is then 52 rows instead of up to 11,648, whose parsing by the driver cost more than
 * the query.
 */
export async function flowHistogram(
  em: EntityManager,
  ws: string,
  boardId: string | null,
  fromDay: string,
  toDay: string,
): Promise<HistogramRow[]> {
  const rows = (await em.query(
    `SELECT g."boardId", json_agg(json_build_array(g.bucket, g.cycle, g.lead)) AS buckets
       FROM (SELECT board_id AS "boardId", bucket, sum(cycle)::int AS cycle, sum(lead)::int AS lead
               FROM dashboard_flow_times
              WHERE workspace_id = $1 AND ${boardFilter(boardId)}
                AND day >= $3::date AND day < $4::date
              GROUP BY GROUPING SETS ((board_id, bucket), (bucket))) g
      GROUP BY g."boardId"`,
    [ws, boardId, fromDay, toDay],
  )) as Array<{ boardId: string | null; buckets: Array<[number, number, number]> }>;
  return rows.flatMap((r) =>
    r.buckets.map(([bucket, cycle, lead]) => ({ boardId: r.boardId, bucket, cycle, lead })),
  );
}

/** Cycle and lead time (whole seconds, floor) of each card of a board finished in the windows. */
export async function finishedSamples(
  em: EntityManager,
  ws: string,
  boardId: string,
  windows: ReadonlyArray<[Date, Date]>,
): Promise<Array<{ cycle: number | null; lead: number }>> {
  if (windows.length === 0) return [];
  const parts = windows.map(
    (_, k) => `SELECT floor(extract(epoch FROM finished_at - started_at))::float8 AS cycle,
                      floor(extract(epoch FROM finished_at - created_at))::float8 AS lead
                 FROM dashboard_cards
                WHERE workspace_id = $1 AND board_id = $2 AND finished_at IS NOT NULL
                  AND finished_at >= $${3 + 2 * k} AND finished_at < $${4 + 2 * k}`,
  );
  return em.query(parts.join(' UNION ALL '), [ws, boardId, ...windows.flat()]) as Promise<
    Array<{ cycle: number | null; lead: number }>
  >;
}

const counts = (rows: ReadonlyArray<{ bucket: number; n: number }>): Map<number, number> => {
  const m = new Map<number, number>();
  for (const r of rows) m.set(r.bucket, (m.get(r.bucket) ?? 0) + r.n);
  return m;
};

function fromHistogram(
  boardId: string | null,
  cycle: Map<number, number>,
  lead: Map<number, number>,
): PercentileRow {
  const c = histogramPercentiles(cycle, PERCENTILES);
  const l = histogramPercentiles(lead, PERCENTILES);
  return {
    boardId,
    cycle: c.samples ? (c.values as number[]) : null,
    cycleSamples: c.samples,
    lead: l.samples ? (l.values as number[]) : null,
    leadSamples: l.samples,
  };
}

/**
 * Cycle and lead time percentiles of the cards finished in the UTC days from `sinceDay` up to
 * `end` (the dashboard's window), per live board and in total: from the day histograms, or
 * exact (`flowTimes`) where a board (or the total) has at most `EXACT_SAMPLE_MAX` samples.
 */
export async function workspaceFlowTimes(
  em: EntityManager,
  ws: string,
  sinceDay: string,
  start: Date,
  end: Date,
  exactMax = EXACT_SAMPLE_MAX,
): Promise<PercentileRow[]> {
  const hist = await flowHistogram(em, ws, null, sinceDay, '9999-12-31');
  const byBoard = new Map<
    string | null,
    { cycle: Map<number, number>; lead: Map<number, number> }
  >();
  for (const r of hist) {
    let g = byBoard.get(r.boardId);
    if (!g) byBoard.set(r.boardId, (g = { cycle: new Map(), lead: new Map() }));
    g.cycle.set(r.bucket, (g.cycle.get(r.bucket) ?? 0) + r.cycle);
    g.lead.set(r.bucket, (g.lead.get(r.bucket) ?? 0) + r.lead);
  }
  const rows = [...byBoard].map(([boardId, g]) => fromHistogram(boardId, g.cycle, g.lead));
  const small = rows.filter((r) => r.leadSamples <= exactMax);
  if (small.length === 0) return rows;
  const total = rows.find((r) => r.boardId === null);
  const exact =
    !total || total.leadSamples <= exactMax
      ? await flowTimes(em, ws, null, start, end)
      : await flowTimes(
          em,
          ws,
          small.filter((r) => r.boardId !== null).map((r) => r.boardId!),
          start,
          end,
        );
  return rows.map((r) =>
    r.leadSamples <= exactMax ? (exact.find((e) => e.boardId === r.boardId) ?? r) : r,
  );
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A board's cycle and lead time percentiles over [start, end) (days cut in any zone): the day
 * histograms of the whole UTC days inside, plus the cards finished in the partial days at
 * either edge read one by one (an index range on `finished_at`, at most two days of them).
 * Exact (`flowTimes`) when there are at most `EXACT_SAMPLE_MAX` samples.
 */
export async function boardFlowTimes(
  em: EntityManager,
  ws: string,
  boardId: string,
  start: Date,
  end: Date,
  exactMax = EXACT_SAMPLE_MAX,
): Promise<PercentileRow> {
  const firstMidnight = new Date(Math.ceil(start.getTime() / DAY_MS) * DAY_MS);
  const lastMidnight = new Date(Math.floor(end.getTime() / DAY_MS) * DAY_MS);
  const whole = firstMidnight < lastMidnight;
  const edges: Array<[Date, Date]> = whole
    ? [
        [start, firstMidnight],
        [lastMidnight, end],
      ]
    : [[start, end]];
  const hist = whole
    ? (await flowHistogram(em, ws, boardId, utcDay(firstMidnight), utcDay(lastMidnight))).filter(
        (r) => r.boardId === boardId,
      )
    : [];
  const samples = await finishedSamples(
    em,
    ws,
    boardId,
    edges.filter(([a, b]) => a < b),
  );
  const cycle = counts([
    ...hist.map((r) => ({ bucket: r.bucket, n: r.cycle })),
    ...samples
      .filter((s) => s.cycle !== null)
      .map((s) => ({ bucket: histogramBucket(s.cycle!), n: 1 })),
  ]);
  const lead = counts([
    ...hist.map((r) => ({ bucket: r.bucket, n: r.lead })),
    ...samples.map((s) => ({ bucket: histogramBucket(s.lead), n: 1 })),
  ]);
  const approx = fromHistogram(boardId, cycle, lead);
  if (approx.leadSamples > exactMax) return approx;
  const [exact] = (await flowTimes(em, ws, boardId, start, end)).filter(
    (r) => r.boardId === boardId,
  );
  return exact ?? approx;
}

/** Card ids of a board the dashboard knows (for the activity feed's board filter). */
export async function boardEntityIds(
  em: EntityManager,
  ws: string,
  boardId: string,
): Promise<string[]> {
  const rows = (await em.query(
    `SELECT card_id AS id FROM dashboard_cards WHERE workspace_id = $1 AND board_id = $2
     UNION ALL
     SELECT column_id FROM dashboard_columns WHERE workspace_id = $1 AND board_id = $2`,
    [ws, boardId],
  )) as Array<{ id: string }>;
  return [boardId, ...rows.map((r) => r.id)];
}
