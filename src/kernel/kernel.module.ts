import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module.js';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { Clock, SystemClock } from './clock.js';
import { EventProjections } from './event-projections.js';
import { HttpClient, NodeHttpClient } from './http-client.js';
import { KERNEL_OPTIONS, OutboxConsumerRunner, type KernelOptions } from './outbox-consumers.js';
import { WorkspaceUnitOfWork } from './unit-of-work.js';
import { WorkspaceDirectory } from './workspace-directory.js';

/**
 * What every module builds on: the workspace unit of work (tenancy, transaction, events), the
 * workspace directory, declared outbox consumers, the clock and outbound HTTP. Global: modules
 * inject these without importing anything.
 */
@Global()
@Module({
  imports: [DiscoveryModule, AuditModule],
  providers: [
    { provide: Clock, useClass: SystemClock },
    { provide: HttpClient, useClass: NodeHttpClient },
    {
      provide: KERNEL_OPTIONS,
      inject: [appConfig.KEY],
      useFactory: (config: AppConfig): KernelOptions => ({
        background: config.backgroundJobs,
        outboxPollIntervalMs: config.outboxPollIntervalMs,
      }),
    },
    WorkspaceUnitOfWork,
    WorkspaceDirectory,
    OutboxConsumerRunner,
    EventProjections,
  ],
  exports: [
    Clock,
    HttpClient,
    KERNEL_OPTIONS,
    WorkspaceUnitOfWork,
    WorkspaceDirectory,
    OutboxConsumerRunner,
    EventProjections,
    AuditModule,
  ],
})
export class KernelModule {}
