import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
const MAX_ZONE_LENGTH = 64;

export class DayCountDto {
  @ApiProperty({ example: '2026-11-29', description: 'Calendar day (YYYY-MM-DD) in the zone.' })
  day: string;

  @ApiProperty({ type: 'integer' })
  count: number;
}

export class PercentilesDto {
  @ApiProperty({ nullable: true, type: 'integer', description: 'Seconds; null without samples.' })
  p50: number | null;

  @ApiProperty({ nullable: true, type: 'integer' })
  p85: number | null;

  @ApiProperty({ nullable: true, type: 'integer' })
  p95: number | null;

  @ApiProperty({
    type: 'integer',
    description: 'How many cards the percentiles are computed from.',
  })
  samples: number;
}

export class OldestCardDto {
  @ApiProperty({ format: 'uuid' })
  cardId: string;

  @ApiProperty({ nullable: true, type: String, description: 'Null if the card is gone.' })
  title: string | null;

  @ApiProperty({ format: 'uuid' })
  columnId: string;

  @ApiProperty({ type: 'integer', description: 'Seconds since the card started.' })
  ageSeconds: number;
}

export class AgeDto {
  @ApiProperty({ nullable: true, type: 'integer', description: 'Seconds.' })
  p50: number | null;

  @ApiProperty({ nullable: true, type: 'integer' })
  p85: number | null;

  @ApiProperty({ type: [OldestCardDto], description: 'The 5 oldest cards in progress.' })
  oldest: OldestCardDto[];
}

export class StatusCountsDto {
  @ApiProperty({ type: 'integer', description: 'Not archived, not in the done column.' })
  active: number;

  @ApiProperty({ type: 'integer', description: 'Not archived, in the done column.' })
  done: number;

  @ApiProperty({ type: 'integer' })
  archived: number;
}

export class DashboardColumnDto {
  @ApiProperty({ format: 'uuid' })
  columnId: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ type: 'integer', description: 'Cards in the column (not archived).' })
  count: number;

  @ApiProperty({ nullable: true, type: 'integer' })
  wipLimit: number | null;
}

export class DashboardTotalsDto {
  @ApiProperty({ type: StatusCountsDto })
  status: StatusCountsDto;

  @ApiProperty({ type: 'integer', description: 'Active, unfinished cards past their due date.' })
  overdue: number;

  @ApiProperty({
    type: 'integer',
    description: 'Active, unfinished cards due within 24 h (not overdue).',
  })
  dueWithin24h: number;

  @ApiProperty({
    type: 'integer',
    description: 'Active, unfinished cards due within 7 days (not overdue).',
  })
  dueWithin7d: number;

  @ApiProperty({ type: [DayCountDto], description: 'Cards finished per day, last 30 days.' })
  throughput: DayCountDto[];

  @ApiProperty({ type: PercentilesDto, description: 'Of the cards finished in the last 30 days.' })
  cycleTime: PercentilesDto;

  @ApiProperty({ type: AgeDto })
  age: AgeDto;
}

export class DashboardBoardDto extends DashboardTotalsDto {
  @ApiProperty({ format: 'uuid' })
  boardId: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ type: [DashboardColumnDto] })
  columns: DashboardColumnDto[];
}

export class ReminderPanelDto {
  @ApiProperty({ type: 'integer' })
  upcoming24h: number;

  @ApiProperty({ type: 'integer' })
  fired7d: number;

  @ApiProperty({ type: 'integer' })
  late7d: number;
}

export class NotesPanelDto {
  @ApiProperty({ type: 'integer' })
  created7d: number;

  @ApiProperty({ type: 'integer' })
  edited7d: number;
}

export class ConnectorHealthDto {
  @ApiProperty({ enum: ['closed', 'open', 'half_open', 'disabled'] })
  state: 'closed' | 'open' | 'half_open' | 'disabled';

  @ApiProperty({ nullable: true, type: String })
  lastSuccessAt: string | null;

  @ApiProperty({ nullable: true, type: String })
  lastFailureAt: string | null;

  @ApiProperty({ nullable: true, type: Number })
  successRate24h: number | null;

  @ApiProperty({ type: 'integer' })
  deadDeliveries: number;
}

export class ConnectorPanelDto {
  @ApiProperty({ format: 'uuid' })
  connectorId: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ type: ConnectorHealthDto })
  health: ConnectorHealthDto;
}

export class ActivityActorDto {
  @ApiProperty({ enum: ['user', 'token', 'system'] })
  type: string;

  @ApiProperty()
  id: string;
}

export class ActivityEntryDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'date-time' })
  occurredAt: string;

  @ApiProperty({ type: ActivityActorDto })
  actor: ActivityActorDto;

  @ApiProperty({ example: 'card.moved' })
  action: string;

  @ApiProperty({ example: 'card' })
  entityType: string;

  @ApiProperty({ nullable: true, type: String, format: 'uuid' })
  entityId: string | null;

  @ApiProperty({
    example: 'card moved (columnId, position)',
    description: 'The action and the names of the changed fields (never their values).',
  })
  summary: string;
}

export class DashboardResponseDto {
  @ApiProperty({ type: [DashboardBoardDto] })
  boards: DashboardBoardDto[];

  @ApiProperty({ type: DashboardTotalsDto })
  totals: DashboardTotalsDto;

  @ApiProperty({ type: ReminderPanelDto })
  reminders: ReminderPanelDto;

  @ApiProperty({ type: NotesPanelDto })
  notes: NotesPanelDto;

  @ApiProperty({ type: [ConnectorPanelDto] })
  connectors: ConnectorPanelDto[];

  @ApiProperty({ type: [ActivityEntryDto], description: 'The latest 20 entries.' })
  activity: ActivityEntryDto[];
}

export class CfdColumnDto {
  @ApiProperty({ format: 'uuid' })
  columnId: string;

  @ApiProperty({ type: 'integer' })
  count: number;
}

export class CfdDayDto {
  @ApiProperty({ example: '2026-11-29' })
  day: string;

  @ApiProperty({ type: [CfdColumnDto], description: 'Cards per column at the end of the day.' })
  columns: CfdColumnDto[];
}

export class BoardMetricsResponseDto {
  @ApiProperty({ example: '2026-11-01' })
  from: string;

  @ApiProperty({ example: '2026-11-30' })
  to: string;

  @ApiProperty({ example: 'Europe/Berlin' })
  tz: string;

  @ApiProperty({ type: [DayCountDto] })
  throughput: DayCountDto[];

  @ApiProperty({ type: PercentilesDto })
  cycleTime: PercentilesDto;

  @ApiProperty({ type: PercentilesDto })
  leadTime: PercentilesDto;

  @ApiProperty({ type: [CfdDayDto] })
  cfd: CfdDayDto[];
}

export class BoardMetricsQueryDto {
  @ApiProperty({ example: '2026-11-01', description: 'First day (YYYY-MM-DD) in `tz`.' })
  @Matches(DATE_PATTERN, { message: 'from must be a date YYYY-MM-DD' })
  from: string;

  @ApiProperty({ example: '2026-11-30', description: 'Last day, inclusive (at most 366 days).' })
  @Matches(DATE_PATTERN, { message: 'to must be a date YYYY-MM-DD' })
  to: string;

  @ApiPropertyOptional({
    example: 'Europe/Berlin',
    description: "IANA time zone the days are cut in (default: the workspace's, UTC until set).",
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_ZONE_LENGTH)
  tz?: string;
}

export class ActivityQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only events of this board and its cards.' })
  @IsOptional()
  @IsUUID()
  boardId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only events of this entity.' })
  @IsOptional()
  @IsUUID()
  entityId?: string;
}
