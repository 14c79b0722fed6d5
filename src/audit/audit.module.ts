import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActivityReader } from './activity-reader.js';
import { AuditChainHeadEntity, AuditEventEntity } from './audit-event.entity.js';
import { AuditService } from './audit.service.js';
import { OutboxCursorEntity } from './outbox-cursor.entity.js';
import { OutboxService } from './outbox.service.js';

/**
 * The append-only event log (DESIGN §4), write side: `AuditService.record` for every mutation
 * and `OutboxService` for consumers of committed events. It depends on nothing but the
 * database, so every module (identity included) can import it; the HTTP routes that read the
 * log need workspace access checks and live in AuditLogModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity, AuditChainHeadEntity, OutboxCursorEntity])],
  providers: [AuditService, OutboxService, ActivityReader],
  exports: [AuditService, OutboxService, ActivityReader],
})
export class AuditModule {}
