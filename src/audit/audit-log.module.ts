import { Module } from '@nestjs/common';
import { AuditLogService } from './audit-log.service.js';
import { AuditController } from './audit.controller.js';
import { AuditModule } from './audit.module.js';

/**
 * The audit log's routes: list, export, verify (workspace admins) and a user's account events.
 * Separate from AuditModule (the write side, which the kernel itself builds on): these routes
 * check tenancy through the kernel's unit of work.
 */
@Module({
  imports: [AuditModule],
  controllers: [AuditController],
  providers: [AuditLogService],
  exports: [AuditLogService],
})
export class AuditLogModule {}
