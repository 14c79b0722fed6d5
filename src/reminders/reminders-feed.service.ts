import { Injectable } from '@nestjs/common';
import ical, { ICalAlarmType } from 'ical-generator';
import { CommonProblems } from '../common/problem.js';
import { Clock } from '../kernel/index.js';
import { API_TOKEN_PREFIX, ApiTokensService } from '../identity/api-tokens.service.js';
import { compileSchedule, nextOccurrences, PREVIEW_COUNT } from './recurrence.js';
import { scheduleOf } from './reminder-schedule.js';
import { RemindersService } from './reminders.service.js';

/** At most this many reminders in one feed (a calendar feed is a summary, not an export). */
const FEED_MAX_REMINDERS = 500;
/** Events last this long in calendars (a reminder is a point in time). */
const EVENT_DURATION_MS = 15 * 60_000;

/**
 * `GET /v1/me/reminders.ics`: the caller's active reminders as an iCalendar feed that calendar
 * clients subscribe to. Calendar clients cannot send headers everywhere, so an API token (never
 * an access token: those expire in minutes) is accepted as `?token=` as well as Bearer.
 */
@Injectable()
export class RemindersFeedService {
  constructor(
    private readonly reminders: RemindersService,
    private readonly tokens: ApiTokensService,
    private readonly clock: Clock,
  ) {}

  /** The caller's feed: authenticates the API token, then renders as of now. */
  async feed(authorization: string | undefined, queryToken: string | undefined): Promise<string> {
    const userId = await this.authenticate(authorization, queryToken);
    return this.render(userId, this.clock.now());
  }

  async authenticate(
    authorization: string | undefined,
    queryToken: string | undefined,
  ): Promise<string> {
    const [scheme, bearer] = (authorization ?? '').split(' ');
    const token = scheme?.toLowerCase() === 'bearer' && bearer ? bearer : queryToken;
    if (!token || !token.startsWith(API_TOKEN_PREFIX)) {
      throw CommonProblems.unauthenticated(
        'Send an API token as `Authorization: Bearer wd_...` or `?token=wd_...`.',
      );
    }
    const principal = await this.tokens.authenticate(token);
    if (!principal || principal.type !== 'token') {
      throw CommonProblems.unauthenticated('The API token is unknown, expired or revoked.');
    }
    return principal.userId;
  }

  async render(userId: string, now: Date): Promise<string> {
    const calendar = ical({
      name: 'workdeck reminders',
      prodId: { company: 'workdeck', product: 'reminders' },
    });
    for (const r of await this.reminders.feedFor(userId, FEED_MAX_REMINDERS)) {
      const upcoming: Date[] = [];
      if (r.snoozeUntil) upcoming.push(new Date(r.snoozeUntil));
      if (r.ruleNextAt) {
        const first = new Date(r.ruleNextAt);
        upcoming.push(
          first,
          ...nextOccurrences(compileSchedule(scheduleOf(r)), first, PREVIEW_COUNT - 1),
        );
      }
      for (const at of upcoming) {
        calendar.createEvent({
          id: `${r.id}-${at.getTime()}@workdeck`,
          start: at,
          end: new Date(at.getTime() + EVENT_DURATION_MS),
          stamp: now,
          summary: r.title,
          description: r.note ?? undefined,
          alarms: [{ type: ICalAlarmType.display, trigger: 0 }],
        });
      }
    }
    return calendar.toString();
  }
}
