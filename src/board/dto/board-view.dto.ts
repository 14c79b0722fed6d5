import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type as ToType } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../common/pagination.js';
import { ROLES, type Role } from '../../kernel/index.js';
import { BoardResponseDto } from './board.dto.js';
import { CardSummaryResponseDto } from './card.dto.js';
import { ColumnResponseDto } from './column.dto.js';
import { LabelResponseDto } from './label.dto.js';

export class BoardViewQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    description: 'How many cards of each column (its first page, in column order).',
  })
  @IsOptional()
  @ToType(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  cardsPerColumn?: number;
}

export class BoardViewColumnDto extends ColumnResponseDto {
  @ApiProperty({
    type: [CardSummaryResponseDto],
    description: "The column's first non-archived cards, in order.",
  })
  cards: CardSummaryResponseDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'More cards: pass it as `cursor` to `GET /v1/boards/{boardId}/cards?columnId={id}`; null when none.',
  })
  nextCursor: string | null;
}

export class BoardViewMemberDto {
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ enum: ROLES }) role: Role;
}

export class BoardViewResponseDto {
  @ApiProperty({ type: BoardResponseDto }) board: BoardResponseDto;

  @ApiProperty({ type: [BoardViewColumnDto], description: 'Every column, in board order.' })
  columns: BoardViewColumnDto[];

  @ApiProperty({ type: [LabelResponseDto], description: "The board's labels, by name." })
  labels: LabelResponseDto[];

  @ApiProperty({
    type: [BoardViewMemberDto],
    description:
      'The workspace members the cards shown refer to (assignees, creators); former members are absent.',
  })
  members: BoardViewMemberDto[];
}
