import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Patch,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, Public } from '../common/auth.decorators.js';
import { IfMatch } from '../common/etag.js';
import { ApiAuth, ApiIdempotencyKey, ApiIfMatch, ApiProblems } from '../common/openapi.js';
import { ApiPage, PageQueryDto, type Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import type { Principal } from '../common/request-context.js';
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
@ApiAuth()
@Controller('v1')
export class RemindersController {
  constructor(
    private readonly reminders: RemindersService,
    private readonly feed: RemindersFeedService,
  ) {}

  @Post('workspaces/:workspaceId/reminders')
  @ApiOperation({
    summary: 'Create a reminder (members)',
    description:
      'Exactly one schedule: `remindAt` (future instant), `rrule` with `dtstart` (local wall time in `timeZone`) or `cron` (5 fields, in `timeZone`). Wall-clock rules keep their local time across DST; a time in a spring-forward gap fires shifted forward by the gap length, a time in a fall-back fold fires once at its first instance. Rules firing more often than once a minute, unknown zones and rules with no future occurrence are 422.',
  })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: ReminderResponseDto })
  @ApiProblems(400, 403, 404, 409, 422)
  create(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') workspaceId: string,
    @Body() dto: CreateReminderDto,
  ): Promise<ReminderResponseDto> {
    return this.reminders.create(p, workspaceId, dto);
  }

  @Get('workspaces/:workspaceId/reminders')
  @ApiOperation({ summary: 'List reminders, soonest next occurrence first (none last)' })
  @ApiPage(ReminderResponseDto)
  @ApiProblems(400, 404, 422)
  list(
    @CurrentPrincipal() p: Principal,
    @UuidParam('workspaceId') workspaceId: string,
    @Query() query: ListRemindersQueryDto,
  ): Promise<Page<ReminderResponseDto>> {
    return this.reminders.list(p, workspaceId, query);
  }

  @Get('reminders/:reminderId')
  @ApiOperation({ summary: 'Get a reminder with its next 5 occurrences' })
  @ApiOkResponse({ type: ReminderResponseDto })
  @ApiProblems(400, 404)
  get(
    @CurrentPrincipal() p: Principal,
    @UuidParam('reminderId') id: string,
  ): Promise<ReminderResponseDto> {
    return this.reminders.get(p, id);
  }

  @Patch('reminders/:reminderId')
  @ApiOperation({
    summary: 'Update a reminder (members)',
    description: 'A new schedule recomputes the next occurrence in the same transaction.',
  })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: ReminderResponseDto })
  @ApiProblems(400, 403, 404, 409, 412, 422)
  update(
    @CurrentPrincipal() p: Principal,
    @UuidParam('reminderId') id: string,
    @Body() dto: UpdateReminderDto,
    @IfMatch() ifMatch?: number,
  ): Promise<ReminderResponseDto> {
    return this.reminders.update(p, id, dto, ifMatch);
  }

  @Delete('reminders/:reminderId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Cancel a reminder (members); its history stays' })
  @ApiIfMatch()
  @ApiNoContentResponse()
  @ApiProblems(400, 403, 404, 409, 412)
  async cancel(
    @CurrentPrincipal() p: Principal,
    @UuidParam('reminderId') id: string,
    @IfMatch() ifMatch?: number,
  ): Promise<void> {
    await this.reminders.cancel(p, id, ifMatch);
  }

  @Post('reminders/:reminderId/snooze')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Snooze the pending (or last fired, unacknowledged) occurrence until `until`',
    description: "The rule's later occurrences are unchanged.",
  })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: ReminderResponseDto })
  @ApiProblems(400, 403, 404, 409, 412, 422)
  snooze(
    @CurrentPrincipal() p: Principal,
    @UuidParam('reminderId') id: string,
    @Body() dto: SnoozeReminderDto,
    @IfMatch() ifMatch?: number,
  ): Promise<ReminderResponseDto> {
    return this.reminders.snooze(p, id, dto.until, ifMatch);
  }

  @Post('reminders/:reminderId/ack')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Acknowledge the last fired occurrence (a one-off reminder is then done)',
  })
  @ApiIdempotencyKey()
  @ApiIfMatch()
  @ApiOkResponse({ type: ReminderResponseDto })
  @ApiProblems(400, 403, 404, 409, 412)
  acknowledge(
    @CurrentPrincipal() p: Principal,
    @UuidParam('reminderId') id: string,
    @IfMatch() ifMatch?: number,
  ): Promise<ReminderResponseDto> {
    return this.reminders.acknowledge(p, id, ifMatch);
  }

  @Get('reminders/:reminderId/occurrences')
  @ApiOperation({ summary: 'Occurrence history, newest first' })
  @ApiPage(OccurrenceResponseDto)
  @ApiProblems(400, 404, 422)
  occurrences(
    @CurrentPrincipal() p: Principal,
    @UuidParam('reminderId') id: string,
    @Query() page: PageQueryDto,
  ): Promise<Page<OccurrenceResponseDto>> {
    return this.reminders.occurrences(p, id, page);
  }

  @Get('me/reminders/upcoming')
  @ApiOperation({ summary: 'My upcoming reminders across my workspaces, soonest first' })
  @ApiPage(UpcomingReminderDto)
  @ApiProblems(400, 422)
  upcoming(
    @CurrentPrincipal() p: Principal,
    @Query() page: PageQueryDto,
  ): Promise<Page<UpcomingReminderDto>> {
    return this.reminders.upcoming(p, page);
  }

  @Get('me/reminders.ics')
  @Public()
  @ApiOperation({
    summary: 'My active reminders as an iCalendar feed',
    description:
      'Authenticated by an API token: `Authorization: Bearer wd_...` or `?token=wd_...`.',
  })
  @ApiQuery({
    name: 'token',
    required: false,
    description: 'API token, for clients that cannot send headers.',
  })
  @ApiProduces('text/calendar')
  @ApiOkResponse({ content: { 'text/calendar': { schema: { type: 'string' } } } })
  @ApiProblems(401)
  async ics(
    @Headers('authorization') authorization: string | undefined,
    @Query('token') token: string | undefined,
  ): Promise<StreamableFile> {
    const userId = await this.feed.authenticate(authorization, token);
    const body = await this.feed.render(userId, new Date());
    return new StreamableFile(Buffer.from(body, 'utf8'), {
      type: 'text/calendar; charset=utf-8',
      disposition: 'inline; filename="reminders.ics"',
    });
  }
}
