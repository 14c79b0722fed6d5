import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../kernel/metrics.js';

const LATENESS_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600];
const MS_PER_SECOND = 1000;

/** The scheduler's instruments on /metrics. */
@Injectable()
export class ReminderMetrics {
  private readonly fired;
  private readonly skipped;
  private readonly lateness;
  private readonly backlog: Gauge;

  constructor(metrics: MetricsService) {
    this.fired = metrics.counter('workdeck_reminders_fired_total', 'Reminder occurrences fired', [
      'late',
    ]);
    this.skipped = metrics.counter(
      'workdeck_reminders_skipped_total',
      'Reminder occurrences skipped by a catch-up policy',
      [],
    );
    this.lateness = metrics.histogram(
      'workdeck_reminder_firing_lateness_seconds',
      'Seconds between an occurrence’s scheduled time and its firing',
      [],
      LATENESS_BUCKETS_SECONDS,
    );
    const existing = metrics.registry.getSingleMetric('workdeck_reminders_due_backlog');
    this.backlog =
      (existing as Gauge | undefined) ??
      new Gauge({
        name: 'workdeck_reminders_due_backlog',
        help: 'Active reminders whose next occurrence is due and not yet fired',
        registers: [metrics.registry],
      });
  }

  observeFired(latenessMs: number, late: boolean): void {
    this.fired.inc({ late: String(late) });
    this.lateness.observe(Math.max(0, latenessMs) / MS_PER_SECOND);
  }

  addSkipped(count: number): void {
    if (count > 0) this.skipped.inc(count);
  }

  setBacklog(count: number): void {
    this.backlog.set(count);
  }
}
