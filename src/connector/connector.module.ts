import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { connectorConfig } from '../config/app.config.js';
import { ConnectorRuntime } from './connector-runtime.js';
import { ConnectorsController } from './connectors.controller.js';
import { ConnectorsService } from './connectors.service.js';
import { DeliveryWorker } from './delivery.worker.js';
import { ConnectorEntity } from './entities/connector.entity.js';
import { DeliveryAttemptEntity } from './entities/delivery-attempt.entity.js';
import { DeliveryEntity } from './entities/delivery.entity.js';
import { InboundEventEntity } from './entities/inbound-event.entity.js';
import { FanoutConsumer } from './fanout.consumer.js';
import { InboundController } from './inbound.controller.js';
import { INBOUND_TARGETS, type InboundTarget } from './inbound-targets.js';
import {
  CardInboundTarget,
  NoteInboundTarget,
  ReminderInboundTarget,
} from './inbound-targets.providers.js';
import { InboundService } from './inbound.service.js';

/**
 * Connectors: outbound webhooks (and chat) driven by the committed event log, inbound hooks
 * that create content. Owns the connectors, deliveries, delivery_attempts and inbound_events
 * tables; reaches other modules only through their exported services (inbound targets).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([
      ConnectorEntity,
      DeliveryEntity,
      DeliveryAttemptEntity,
      InboundEventEntity,
    ]),
    ConfigModule.forFeature(connectorConfig),
  ],
  controllers: [ConnectorsController, InboundController],
  providers: [
    ConnectorRuntime,
    ConnectorsService,
    FanoutConsumer,
    DeliveryWorker,
    InboundService,
    CardInboundTarget,
    NoteInboundTarget,
    ReminderInboundTarget,
    {
      provide: INBOUND_TARGETS,
      inject: [CardInboundTarget, NoteInboundTarget, ReminderInboundTarget],
      useFactory: (...targets: InboundTarget[]): InboundTarget[] => targets,
    },
  ],
  exports: [ConnectorsService],
})
export class ConnectorModule {}
