import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditChainHeadEntity, AuditEventEntity } from './audit-event.entity.js';
import { AuditService } from './audit.service.js';

/** The append-only event log: audit, outbox and activity feed (DESIGN §4). */
@Module({
  imports: [TypeOrmModule.forFeature([AuditEventEntity, AuditChainHeadEntity])],
  providers: [AuditService],
  exports: [AuditService],
})
export class AuditModule {}
