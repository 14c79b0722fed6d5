import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { BoardModule } from '../board/board.module.js';
import { dashboardConfig } from '../config/app.config.js';
import { BoardRegistryProjection } from './board-registry.projection.js';
import { DashboardConsumer } from './dashboard.consumer.js';
import { DashboardController } from './dashboard.controller.js';
import { DashboardReconciler } from './dashboard.reconciler.js';
import { DashboardService } from './dashboard.service.js';
import { DashboardBoardEntity } from './entities/dashboard-board.entity.js';
import { DashboardCardEntity } from './entities/dashboard-card.entity.js';
import { DashboardColumnEntity } from './entities/dashboard-column.entity.js';
import { DashboardDueHourEntity } from './entities/dashboard-due-hour.entity.js';
import { DashboardFlowBucketEntity } from './entities/dashboard-flow-bucket.entity.js';
import { DashboardFlowDayEntity } from './entities/dashboard-flow-day.entity.js';
import { DashboardFlowTimeEntity } from './entities/dashboard-flow-time.entity.js';
import { DashboardIntervalEntity } from './entities/dashboard-interval.entity.js';
import { DashboardWipMonthEntity } from './entities/dashboard-wip-month.entity.js';
import { FlowProjector } from './flow.projector.js';

/**
 * The dashboard (DESIGN §5 Dashboard): maintained flow data projected from board events, the
 * workspace dashboard, board metrics and the activity feed. Other modules' panels plug in
 * through `REMINDER_STATS` / `CONNECTOR_STATS` (dashboard.panels.ts).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      DashboardBoardEntity,
      DashboardColumnEntity,
      DashboardCardEntity,
      DashboardIntervalEntity,
      DashboardFlowBucketEntity,
      DashboardFlowDayEntity,
      DashboardFlowTimeEntity,
      DashboardWipMonthEntity,
      DashboardDueHourEntity,
    ]),
    ConfigModule.forFeature(dashboardConfig),
    AuditModule,
    BoardModule,
  ],
  controllers: [DashboardController],
  providers: [
    BoardRegistryProjection,
    FlowProjector,
    DashboardConsumer,
    DashboardReconciler,
    DashboardService,
  ],
  exports: [DashboardReconciler],
})
export class DashboardModule {}
