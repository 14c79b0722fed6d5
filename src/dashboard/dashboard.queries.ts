import type { EntityManager } from 'typeorm';

/**
 * The dashboard's SQL, in one place. It reads only the dashboard's own tables; each query is
 * an index range (see the entities) or a read of a handful of column rows, never a scan of a
 * board's cards. Rows with `boardId` null are the workspace totals (GROUPING SETS).
 */

export const PERCENTILES = [0.5, 0.85, 0.95] as const;

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

/** Active, unfinished cards by due date: overdue, due in 24 h, due in 7 days (not overdue). */
export function dueCounts(em: EntityManager, ws: string, now: Date): Promise<DueRow[]> {
  return em.query(
    `SELECT board_id AS "boardId",
            count(*) FILTER (WHERE due_at < $2)::int AS overdue,
            count(*) FILTER (WHERE due_at >= $2 AND due_at < $2::timestamptz + interval '24 hours')::int
              AS "dueWithin24h",
            count(*) FILTER (WHERE due_at >= $2)::int AS "dueWithin7d"
       FROM dashboard_cards
      WHERE workspace_id = $1 AND due_at IS NOT NULL AND archived_at IS NULL
        AND finished_at IS NULL AND due_at < $2::timestamptz + interval '7 days'
        AND ${ON_LIVE_BOARDS}
      GROUP BY GROUPING SETS ((board_id), ())`,
    [ws, now],
  ) as Promise<DueRow[]>;
}

export interface DayCountRow {
  boardId: string | null;
  day: string;
  count: number;
}

/** Cards finished (and not reopened) per day in `tz`, in [start, end), per board and in total. */
export function throughputByDay(
  em: EntityManager,
  ws: string,
  boardId: string | null,
  start: Date,
  end: Date,
  tz: string,
): Promise<DayCountRow[]> {
  return em.query(
    `SELECT board_id AS "boardId",
            to_char((finished_at AT TIME ZONE $5)::date, 'YYYY-MM-DD') AS day, count(*)::int AS count
       FROM dashboard_cards
      WHERE workspace_id = $1 AND ${boardFilter(boardId)}
        AND finished_at IS NOT NULL AND finished_at >= $3 AND finished_at < $4
      GROUP BY GROUPING SETS ((board_id, day), (day))`,
    [ws, boardId, start, end, tz],
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
 * finished in [start, end): nearest-rank percentiles (`percentile_disc`), exact.
 */
export function flowTimes(
  em: EntityManager,
  ws: string,
  boardId: string | null,
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
      WHERE workspace_id = $1 AND ${boardFilter(boardId)}
        AND finished_at IS NOT NULL AND finished_at >= $3 AND finished_at < $4
      GROUP BY GROUPING SETS ((board_id), ())`,
    [ws, boardId, start, end, PERCENTILES],
  ) as Promise<PercentileRow[]>;
}

export interface AgeRow {
  boardId: string | null;
  ages: number[] | null;
}

/** Work-item age (now − started) of cards in progress: started, not finished, not archived. */
export function ages(em: EntityManager, ws: string, now: Date): Promise<AgeRow[]> {
  return em.query(
    `SELECT board_id AS "boardId",
            percentile_disc(ARRAY[0.5, 0.85]::float8[]) WITHIN GROUP (
              ORDER BY extract(epoch FROM $2::timestamptz - started_at)::float8) AS ages
       FROM dashboard_cards
      WHERE workspace_id = $1 AND started_at IS NOT NULL AND archived_at IS NULL
        AND finished_at IS NULL AND ${ON_LIVE_BOARDS}
      GROUP BY GROUPING SETS ((board_id), ())`,
    [ws, now],
  ) as Promise<AgeRow[]>;
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

/**
 * Cards per column at the end of each day in `tz` (the stays open at that instant), for the
 * days `from`..`to`. Reads only the stays that overlap the range.
 */
export function cumulativeFlow(
  em: EntityManager,
  ws: string,
  boardId: string,
  from: string,
  to: string,
  tz: string,
): Promise<CfdRow[]> {
  return em.query(
    `WITH days AS (
       SELECT d::date AS day, ((d::date + 1)::timestamp AT TIME ZONE $5) AS day_end
         FROM generate_series($3::date, $4::date, interval '1 day') d),
     -- Two index ranges on (workspace_id, board_id, left_at): an OR would scan the table.
     stays AS (
       SELECT column_id, entered_at, left_at FROM dashboard_intervals
        WHERE workspace_id = $1 AND board_id = $2 AND left_at IS NULL
          AND entered_at < ((($4::date + 1)::timestamp) AT TIME ZONE $5)
       UNION ALL
       SELECT column_id, entered_at, left_at FROM dashboard_intervals
        WHERE workspace_id = $1 AND board_id = $2
          AND left_at >= (($3::date + 1)::timestamp AT TIME ZONE $5)
          AND entered_at < ((($4::date + 1)::timestamp) AT TIME ZONE $5))
     SELECT to_char(days.day, 'YYYY-MM-DD') AS day, s.column_id AS "columnId", count(*)::int AS count
       FROM days JOIN stays s
         ON s.entered_at < days.day_end AND (s.left_at IS NULL OR s.left_at >= days.day_end)
      GROUP BY days.day, s.column_id`,
    [ws, boardId, from, to, tz],
  ) as Promise<CfdRow[]>;
}

/** The board's columns in board order (for the CFD's column list). */
export function boardColumns(
  em: EntityManager,
  ws: string,
  boardId: string,
): Promise<Array<{ columnId: string }>> {
  return em.query(
    `SELECT column_id AS "columnId" FROM dashboard_columns
      WHERE workspace_id = $1 AND board_id = $2 ORDER BY position, column_id`,
    [ws, boardId],
  ) as Promise<Array<{ columnId: string }>>;
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
