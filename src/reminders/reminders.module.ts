import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { BoardModule } from '../board/board.module.js';
import { remindersConfig } from '../config/app.config.js';
import { IdentityModule } from '../identity/identity.module.js';
import { NotesModule } from '../notes/notes.module.js';
import { CardDueReminders } from './card-due-reminders.js';
import { ReminderOccurrenceEntity } from './entities/reminder-occurrence.entity.js';
import { ReminderRecipientEntity } from './entities/reminder-recipient.entity.js';
import { ReminderEntity } from './entities/reminder.entity.js';
import { ReminderEventSink } from './reminder-event-sink.js';
import { ReminderMetrics } from './reminder-metrics.js';
import { SchedulerClock } from './reminder-schedule.js';
import { ReminderScheduler } from './reminder-scheduler.js';
import { RemindersFeedService } from './reminders-feed.service.js';
import { RemindersController } from './reminders.controller.js';
import { RemindersService } from './reminders.service.js';
import { CreateReminderDto } from './dto/reminder.dto.js';

/** One-off and recurring reminders and the scheduler that fires them (DESIGN §5 Reminders). */
@Module({
  imports: [
    TypeOrmModule.forFeature([ReminderEntity, ReminderOccurrenceEntity, ReminderRecipientEntity]),
    ConfigModule.forFeature(remindersConfig),
    AuditModule,
    IdentityModule,
    BoardModule,
    NotesModule,
  ],
  controllers: [RemindersController],
  providers: [
    RemindersService,
    RemindersFeedService,
    ReminderScheduler,
    ReminderEventSink,
    ReminderMetrics,
    SchedulerClock,
    CardDueReminders,
    // The inbound connector's `reminder` target finds reminders by these names, so that the
    // connector module does not import this one (it works without it).
    { provide: 'RemindersService', useExisting: RemindersService },
    { provide: 'CreateReminderDto', useValue: CreateReminderDto },
  ],
  exports: [RemindersService],
})
export class RemindersModule {}
