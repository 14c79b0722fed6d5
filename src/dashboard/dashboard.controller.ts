import { Controller, Headers, Query, Res } from '@nestjs/common';
import { ApiHeader, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Page } from '../common/pagination.js';
import { UuidParam } from '../common/params.js';
import { CurrentActor, Route, type Actor } from '../kernel/index.js';
import { acceptsGzip, gzipBytesOf, jsonBytesOf } from './dashboard.cache.js';
import { DashboardService } from './dashboard.service.js';
import {
  ActivityEntryDto,
  ActivityQueryDto,
  BoardMetricsQueryDto,
  BoardMetricsResponseDto,
  DashboardResponseDto,
} from './dto/dashboard.dto.js';

const NOT_MODIFIED = 304;
/** What Fastify would send for the object: the bytes are serialized once per kept answer. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

@ApiTags('dashboard')
@Controller('v1')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Route({
    method: 'GET',
    path: 'workspaces/:workspaceId/dashboard',
    summary: "A workspace's dashboard",
    description:
      'Per board and in total: cards per column and status, due dates, throughput (30 days), ' +
      'cycle time and work-item age percentiles; reminders, notes and connector panels; the ' +
      'latest 20 activity entries. Durations in seconds. Answers a weak `ETag` that moves ' +
      "with the workspace's event chain (and each minute); send it back in `If-None-Match` " +
      'for a 304 without a body. Sent gzip-compressed when `Accept-Encoding` allows.',
    role: 'viewer',
    success: { type: DashboardResponseDto },
    problems: [400, 404],
  })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'A previous `ETag`.' })
  @ApiResponse({ status: NOT_MODIFIED, description: 'Unchanged since the given ETag.' })
  async get(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Headers('accept-encoding') acceptEncoding: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | undefined> {
    const answer = await this.dashboard.dashboard(actor, workspaceId, revalidates(ifNoneMatch));
    return sendAnswer(reply, acceptEncoding, answer);
  }

  @Route({
    method: 'GET',
    path: 'boards/:boardId/metrics',
    summary: "A board's flow metrics over a range of days",
    description:
      'Days `from`..`to` (inclusive, at most 366) cut in `tz` (IANA; default the ' +
      "workspace's zone, UTC until set): throughput per day, cycle and lead time " +
      'percentiles with sample counts, and the cumulative flow (cards per column at the end ' +
      'of each day). Definitions: README, Dashboard. Sent gzip-compressed when ' +
      "`Accept-Encoding` allows. Answers a weak `ETag` that moves with the workspace's event " +
      'chain (and each minute); send it back in `If-None-Match` for a 304 without a body.',
    role: 'viewer',
    success: { type: BoardMetricsResponseDto },
    problems: [400, 404, 422],
  })
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'A previous `ETag`.' })
  @ApiResponse({ status: NOT_MODIFIED, description: 'Unchanged since the given ETag.' })
  async metrics(
    @CurrentActor() actor: Actor,
    @UuidParam('boardId') boardId: string,
    @Query() query: BoardMetricsQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Headers('accept-encoding') acceptEncoding: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer | undefined> {
    const answer = await this.dashboard.boardMetricsAnswer(
      actor,
      boardId,
      query,
      revalidates(ifNoneMatch),
    );
    return sendAnswer(reply, acceptEncoding, answer);
  }

  @Route({
    method: 'GET',
    path: 'workspaces/:workspaceId/activity',
    summary: "A workspace's activity feed",
    description:
      'Events of the workspace, newest first, optionally of one board (its cards and ' +
      'columns) or one entity; without ip, user agent or changed values.',
    role: 'viewer',
    success: { type: ActivityEntryDto },
    page: true,
    problems: [400, 404, 422],
  })
  workspaceActivity(
    @CurrentActor() actor: Actor,
    @UuidParam('workspaceId') workspaceId: string,
    @Query() query: ActivityQueryDto,
  ): Promise<Page<ActivityEntryDto>> {
    return this.dashboard.workspaceActivity(actor, workspaceId, query);
  }

  @Route({
    method: 'GET',
    path: 'cards/:cardId/activity',
    summary: "A card's history",
    description: 'The events of one card, newest first (the activity feed filtered by card).',
    role: 'viewer',
    success: { type: ActivityEntryDto },
    page: true,
    problems: [400, 404, 422],
  })
  cardActivity(
    @CurrentActor() actor: Actor,
    @UuidParam('cardId') cardId: string,
    @Query() query: ActivityQueryDto,
  ): Promise<Page<ActivityEntryDto>> {
    return this.dashboard.cardActivity(actor, cardId, query);
  }
}

/** Whether an ETag is one the client's `If-None-Match` already has. */
const revalidates =
  (ifNoneMatch: string | undefined) =>
  (etag: string): boolean =>
    ifNoneMatch !== undefined && matches(ifNoneMatch, etag);

/** An answer with its `ETag`: 304 without a body when the client had it, else the body. */
function sendAnswer(
  reply: FastifyReply,
  acceptEncoding: string | undefined,
  answer: { etag: string; body?: object },
): Buffer | undefined {
  void reply.header('ETag', answer.etag);
  if (!answer.body) {
    void reply.status(NOT_MODIFIED);
    return undefined;
  }
  return send(reply, acceptEncoding, answer.body);
}

/**
 * A kept answer as JSON bytes, gzip-compressed when the client accepts it (both encodings made
 * once per answer). `Vary` tells caches the encoding depends on the request.
 */
function send(reply: FastifyReply, acceptEncoding: string | undefined, body: object): Buffer {
  const vary = reply.getHeader('vary');
  void reply
    .type(JSON_CONTENT_TYPE)
    .header('Vary', vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding');
  if (!acceptsGzip(acceptEncoding)) return jsonBytesOf(body);
  void reply.header('Content-Encoding', 'gzip');
  return gzipBytesOf(body);
}

/** RFC 9110 weak comparison against a list of entity tags (or `*`). */
function matches(header: string, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || opaque(t) === opaque(etag));
}
