import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import type { Counter } from 'prom-client';
import { ActivityReader } from '../audit/activity-reader.js';
import { workspaceChainKey } from '../audit/audit.service.js';
import { OutboxService } from '../audit/outbox.service.js';
import { CardDirectory, type ColumnState } from '../board/card-directory.service.js';
import { TransactionHost } from '../database/transaction-host.js';
import { MetricsService } from '../kernel/metrics.js';
import { KERNEL_OPTIONS, type KernelOptions } from '../kernel/outbox-consumers.js';
import { DASHBOARD_CONSUMER } from './dashboard.consumer.js';
import { finishByDoneFlag } from './flow.projector.js';
import { repairRollups } from './flow.rollups.js';

const RECONCILE_INTERVAL_MS = 10 * 60 * 1000;
/** pg advisory lock namespace of the reconciliation (first key; the workspace is the second). */
const RECONCILE_LOCK_NAMESPACE = 0x0da5b0a2;

export interface ReconcileResult {
  /** The workspace was reconciled (false: another instance held it, or the projection lags). */
  checked: boolean;
  /** Counters set right, columns learned, columns dropped. */
  countersFixed: number;
  columnsAdded: number;
  columnsRemoved: number;
  /** Columns whose copied name, position, WIP limit or done/in-progress flags were stale. */
  columnsUpdated: number;
  /** Rollup rows (flow buckets and days, time histograms, months in progress) set right. */
  rollupsFixed: number;
}

interface ProjectedColumn {
  columnId: string;
  name: string;
  position: string;
  wipLimit: number | null;
  isDone: boolean;
  inProgress: boolean;
  openCards: number;
  archivedCards: number;
}

/** Whether the dashboard's copy of a column's attributes differs from the board module's. */
const staleCopy = (copy: ProjectedColumn, col: ColumnState): boolean =>
  copy.name !== col.name ||
  copy.position !== col.position ||
  copy.wipLimit !== col.wipLimit ||
  copy.isDone !== col.isDone ||
  copy.inProgress !== col.inProgress;

/**
 * Recounts every column's cards from the board module (`CardDirectory.columnStates`) and
 * repairs the dashboard's counters where they drifted, copies a column's attributes again where
 * the dashboard's copy is stale (a `column.updated` it never applied: name, position, WIP
 * limit, in-progress flag, which applies to entries from then on, and done flag, which re-stamps
 * the finish of the column's cards as the projection does), then recounts the rollups from the
 * dashboard's source rows (cards and stays, `repairRollups`) and repairs those. Runs in a REPEATABLE READ transaction,
 * only when the projection has applied every event of the workspace's chain as of that
 * snapshot (else the recount would include changes the projection is about to apply), and
 * repairs by adding the difference, so a projection batch committing meanwhile is not lost (it
 * makes this transaction fail to serialize instead; the next round retries). Two instances
 * never reconcile one workspace at once (transaction-level advisory lock, tried, not awaited).
 */
@Injectable()
export class DashboardReconciler {
  private readonly logger = new Logger(DashboardReconciler.name);
  private readonly repairs: Counter<'kind'>;

  constructor(
    private readonly tx: TransactionHost,
    private readonly directory: CardDirectory,
    private readonly activity: ActivityReader,
    private readonly outbox: OutboxService,
    metrics: MetricsService,
    @Optional() @Inject(KERNEL_OPTIONS) private readonly options?: KernelOptions,
  ) {
    this.repairs = metrics.counter(
      'workdeck_dashboard_reconcile_repairs_total',
      'Dashboard counters, columns and rollup rows the reconciliation repaired, by kind',
      ['kind'],
    );
  }

  @Interval(RECONCILE_INTERVAL_MS)
  async scheduled(): Promise<void> {
    if (this.options && !this.options.background) return;
    try {
      await this.reconcileAll();
    } catch (err) {
      this.logger.error({ err }, 'dashboard reconciliation failed');
    }
  }

  async reconcileAll(): Promise<ReconcileResult[]> {
    const rows = (await this.tx.manager.query(
      'SELECT DISTINCT workspace_id AS "workspaceId" FROM dashboard_boards',
    )) as Array<{ workspaceId: string }>;
    const results: ReconcileResult[] = [];
    for (const { workspaceId } of rows) results.push(await this.reconcile(workspaceId));
    return results;
  }

  async reconcile(workspaceId: string): Promise<ReconcileResult> {
    const skipped = {
      checked: false,
      countersFixed: 0,
      columnsAdded: 0,
      columnsRemoved: 0,
      columnsUpdated: 0,
      rollupsFixed: 0,
    };
    try {
      return await this.tx.run(async (em) => {
        await em.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
        const [{ locked }] = (await em.query(
          'SELECT pg_try_advisory_xact_lock($1, hashtext($2)) AS locked',
          [RECONCILE_LOCK_NAMESPACE, workspaceId],
        )) as Array<{ locked: boolean }>;
        if (!locked) return skipped;
        const head = Number(await this.activity.head(workspaceId));
        const applied = await this.outbox.position(
          DASHBOARD_CONSUMER,
          workspaceChainKey(workspaceId),
        );
        if (applied !== head) return skipped;
        const source = await this.directory.columnStates(workspaceId, { withCounts: true });
        const projected = (await em.query(
          `SELECT column_id AS "columnId", name, position, wip_limit AS "wipLimit",
                  is_done AS "isDone", in_progress AS "inProgress", open_cards AS "openCards",
                  archived_cards AS "archivedCards"
             FROM dashboard_columns WHERE workspace_id = $1`,
          [workspaceId],
        )) as ProjectedColumn[];
        const mine = new Map(projected.map((p) => [p.columnId, p]));
        const result = {
          checked: true,
          countersFixed: 0,
          columnsAdded: 0,
          columnsRemoved: 0,
          columnsUpdated: 0,
          rollupsFixed: 0,
        };
        for (const col of source) {
          const seen = mine.get(col.id);
          mine.delete(col.id);
          if (!seen) {
            await em.query(
              `INSERT INTO dashboard_boards (workspace_id, id, name) VALUES ($1, $2, $3)
               ON CONFLICT DO NOTHING`,
              [workspaceId, col.boardId, col.boardName],
            );
            await em.query(
              `INSERT INTO dashboard_columns (workspace_id, column_id, board_id, name, position,
                                              wip_limit, is_done, in_progress, open_cards,
                                              archived_cards)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
              [
                workspaceId,
                col.id,
                col.boardId,
                col.name,
                col.position,
                col.wipLimit,
                col.isDone,
                col.inProgress,
                col.openCards,
                col.archivedCards,
              ],
            );
            result.columnsAdded += 1;
            continue;
          }
          if (staleCopy(seen, col)) {
            await em.query(
              `UPDATE dashboard_columns
                  SET name = $3, position = $4, wip_limit = $5, is_done = $6, in_progress = $7
                WHERE workspace_id = $1 AND column_id = $2`,
              [
                workspaceId,
                col.id,
                col.name,
                col.position,
                col.wipLimit,
                col.isDone,
                col.inProgress,
              ],
            );
            if (seen.isDone !== col.isDone) {
              // As the projection applies a done-flag change; the rollups are recounted below.
              await em.query(
                `UPDATE dashboard_cards c SET ${finishByDoneFlag('c')}
                  WHERE c.workspace_id = $1 AND c.column_id = $2`,
                [workspaceId, col.id, col.isDone],
              );
            }
            result.columnsUpdated += 1;
          }
          const openDelta = (col.openCards ?? 0) - seen.openCards;
          const archivedDelta = (col.archivedCards ?? 0) - seen.archivedCards;
          if (openDelta === 0 && archivedDelta === 0) continue;
          await em.query(
            `UPDATE dashboard_columns
                SET open_cards = open_cards + $3, archived_cards = archived_cards + $4
              WHERE workspace_id = $1 AND column_id = $2`,
            [workspaceId, col.id, openDelta, archivedDelta],
          );
          result.countersFixed += 1;
        }
        for (const gone of mine.keys()) {
          await em.query(
            'DELETE FROM dashboard_columns WHERE workspace_id = $1 AND column_id = $2',
            [workspaceId, gone],
          );
          result.columnsRemoved += 1;
        }
        const rollups = await repairRollups(em, workspaceId);
        for (const [table, n] of Object.entries(rollups)) {
          if (n) this.repairs.inc({ kind: table.replace(/^dashboard_/, '') }, n);
          result.rollupsFixed += n;
        }
        this.count(result);
        const fixed =
          result.countersFixed +
          result.columnsAdded +
          result.columnsRemoved +
          result.columnsUpdated;
        if (fixed + result.rollupsFixed > 0) {
          this.logger.warn({ workspaceId, ...result }, 'dashboard drift repaired');
        }
        return result;
      });
    } catch (err) {
      // 40001: a projection batch committed on these rows meanwhile; the next round retries.
      if ((err as { driverError?: { code?: string } }).driverError?.code === '40001') {
        return skipped;
      }
      throw err;
    }
  }

  private count(r: ReconcileResult): void {
    if (r.countersFixed) this.repairs.inc({ kind: 'counter' }, r.countersFixed);
    if (r.columnsAdded) this.repairs.inc({ kind: 'column_added' }, r.columnsAdded);
    if (r.columnsRemoved) this.repairs.inc({ kind: 'column_removed' }, r.columnsRemoved);
    if (r.columnsUpdated) this.repairs.inc({ kind: 'column_updated' }, r.columnsUpdated);
  }
}
