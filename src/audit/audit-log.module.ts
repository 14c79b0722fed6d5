import { Module } from '@nestjs/common';
import { IdentityModule } from '../identity/identity.module.js';
import { AuditLogService } from './audit-log.service.js';
import { AuditController } from './audit.controller.js';
import { AuditModule } from './audit.module.js';

/**
 * The audit log's routes: list, export, verify (workspace admins) and a user's account events.
 * Separate from AuditModule because it needs IdentityModule (WorkspaceAccess), which itself
 * records events through AuditModule.
 */
@Module({
  imports: [AuditModule, IdentityModule],
  controllers: [AuditController],
  providers: [AuditLogService],
  exports: [AuditLogService],
})
export class AuditLogModule {}
