import { Body, Controller, Headers, HttpStatus, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IfMatch } from '../common/etag.js';
import { PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import {
  CreateReminderDto,
  ListRemindersQueryDto,
  OccurrenceResponseDto,
  ReminderResponseDto,
  SnoozeReminderDto,
  UpcomingReminderDto,
  UpdateReminderDto,
} from './dto/reminder.dto.js';
import { RemindersFeedService } from './reminders-feed.service.js';
import { RemindersService } from './reminders.service.js';

@ApiTags('reminders')
@Controller('v1')
export class RemindersController {
  constructor(
    private readonly reminders: RemindersService,
    private readonly feed: RemindersFeedService,
  ) {}

  @Route({
    method: 'POST',
    path: 'workspaces/:workspaceId/reminders',
    summary: 'Create a reminder (members)',
    description:
      'Exactly one schedule: `remindAt` (future instant), `rrule` with `dtstart` (local wall time in `timeZone`) or `cron` (5 fields, in `timeZone`). Wall-clock rules keep their local time across DST; a time in a spring-forward gap fires shifted forward by the gap length, a time in a fall-back fold fires once at its first instance. Rules firing more often than once a minute, unknown zones and rules with no future occurrence are 422.',
    role: 'member',
    success: { status: HttpStatus.CREATED, type: ReminderResponseDto },
    problems: [400, 403, 404, 409, 422],
  })
  create(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
    @Body() dto: CreateReminderDto,
  ): Promise<ReminderResponseDto> {
    return this.reminders.create(actor, workspaceId, dto);
  }

  @Route({
    method: 'GET',
    path: 'workspaces/:workspaceId/reminders',
    summary: 'List reminders, soonest next occurrence first (none last)',
    role: 'viewer',
    success: { type: ReminderResponseDto },
    page: true,
    problems: [400, 404, 422],
  })
  list(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
    @Query() query: ListRemindersQueryDto,
  ): Promise<Page<ReminderResponseDto>> {
    return this.reminders.list(actor, workspaceId, query);
  }

  @Route({
    method: 'GET',
    path: 'reminders/:reminderId',
    summary: 'Get a reminder with its next 5 occurrences',
    role: 'viewer',
    success: { type: ReminderResponseDto },
    problems: [400, 404],
  })
  get(
    @CurrentActor() actor: Actor,
    @UuidParam('reminderId') id: string,
  ): Promise<ReminderResponseDto> {
    return this.reminders.get(actor, id);
  }

  @Route({
    method: 'PATCH',
    path: 'reminders/:reminderId',
    summary: 'Update a reminder (members)',
    description: 'A new schedule recomputes the next occurrence in the same transaction.',
    role: 'member',
    success: { type: ReminderResponseDto },
    problems: [400, 403, 404, 409, 412, 422],
    ifMatch: true,
  })
  update(
    @CurrentActor() actor: Actor,
    @UuidParam('reminderId') id: string,
    @Body() dto: UpdateReminderDto,
    @IfMatch() ifMatch?: number,
  ): Promise<ReminderResponseDto> {
    return this.reminders.update(actor, id, dto, ifMatch);
  }

  @Route({
    method: 'DELETE',
    path: 'reminders/:reminderId',
    summary: 'Cancel a reminder (members); its history stays',
    role: 'member',
    success: { status: HttpStatus.NO_CONTENT },
    problems: [400, 403, 404, 409, 412],
    ifMatch: true,
  })
  cancel(
    @CurrentActor() actor: Actor,
    @UuidParam('reminderId') id: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    return this.reminders.cancel(actor, id, ifMatch);
  }

  @Route({
    method: 'POST',
    path: 'reminders/:reminderId/snooze',
    summary: 'Snooze the pending (or last fired, unacknowledged) occurrence until `until`',
    description: "The rule's later occurrences are unchanged.",
    role: 'member',
    success: { status: HttpStatus.OK, type: ReminderResponseDto },
    problems: [400, 403, 404, 409, 412, 422],
    ifMatch: true,
  })
  snooze(
    @CurrentActor() actor: Actor,
    @UuidParam('reminderId') id: string,
    @Body() dto: SnoozeReminderDto,
    @IfMatch() ifMatch?: number,
  ): Promise<ReminderResponseDto> {
    return this.reminders.snooze(actor, id, dto.until, ifMatch);
  }

  @Route({
    method: 'POST',
    path: 'reminders/:reminderId/ack',
    summary: 'Acknowledge the last fired occurrence (a one-off reminder is then done)',
    role: 'member',
    success: { status: HttpStatus.OK, type: ReminderResponseDto },
    problems: [400, 403, 404, 409, 412],
    ifMatch: true,
  })
  acknowledge(
    @CurrentActor() actor: Actor,
    @UuidParam('reminderId') id: string,
    @IfMatch() ifMatch?: number,
  ): Promise<ReminderResponseDto> {
    return this.reminders.acknowledge(actor, id, ifMatch);
  }

  @Route({
    method: 'GET',
    path: 'reminders/:reminderId/occurrences',
    summary: 'Occurrence history, newest first',
    role: 'viewer',
    success: { type: OccurrenceResponseDto },
    page: true,
    problems: [400, 404, 422],
  })
  occurrences(
    @CurrentActor() actor: Actor,
    @UuidParam('reminderId') id: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<OccurrenceResponseDto>> {
    return this.reminders.occurrences(actor, id, page);
  }

  @Route({
    method: 'GET',
    path: 'me/reminders/upcoming',
    summary: 'My upcoming reminders across my workspaces, soonest first',
    success: { type: UpcomingReminderDto },
    page: true,
    problems: [400, 422],
  })
  upcoming(
    @CurrentActor() actor: Actor,
    @Query() page: PageQueryDto,
  ): Promise<Page<UpcomingReminderDto>> {
    return this.reminders.upcoming(actor, page);
  }

  // Written above @Route, so applied after it: its text/calendar 200 replaces the generic one.
  @ApiOkResponse({ content: { 'text/calendar': { schema: { type: 'string' } } } })
  @Route({
    method: 'GET',
    path: 'me/reminders.ics',
    summary: 'My active reminders as an iCalendar feed',
    description:
      'Authenticated by an API token: `Authorization: Bearer wd_...` or `?token=wd_...`.',
    public: true,
    problems: [401],
  })
  @ApiQuery({
    name: 'token',
    required: false,
    description: 'API token, for clients that cannot send headers.',
  })
  @ApiProduces('text/calendar')
  async ics(
    @Headers('authorization') authorization: string | undefined,
    @Query('token') token: string | undefined,
  ): Promise<StreamableFile> {
    const body = await this.feed.feed(authorization, token);
    return new StreamableFile(Buffer.from(body, 'utf8'), {
      type: 'text/calendar; charset=utf-8',
      disposition: 'inline; filename="reminders.ics"',
    });
  }
}
