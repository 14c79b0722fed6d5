import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsISO8601,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
} from 'class-validator';
import { PageQueryDto } from '../../common/pagination.js';
import { RequiredText } from '../../common/validation.js';
import {
  NOTE_BODY_MAX_BYTES,
  NOTE_MAX_TAGS,
  NOTE_TAG_MAX_LENGTH,
  NOTE_TITLE_MAX_LENGTH,
} from '../notes.constants.js';
import { normaliseTags, parseTagFilter, TAG_PATTERN } from '../tags.js';

const TITLE_DOC = { minLength: 1, maxLength: NOTE_TITLE_MAX_LENGTH, example: 'Release plan Q3' };

/** A string of at most `max` bytes in UTF-8 (what PostgreSQL stores), whatever its characters. */
function MaxUtf8Bytes(max: number) {
  return ValidateBy({
    name: 'maxUtf8Bytes',
    constraints: [max],
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || Buffer.byteLength(value) <= max,
      defaultMessage: () => `must be at most ${max} bytes in UTF-8`,
    },
  });
}

const NoteBody = () =>
  applyDecorators(
    ApiPropertyOptional({
      description: `Markdown, stored exactly as sent (never rendered or sanitised); at most ${NOTE_BODY_MAX_BYTES} bytes in UTF-8.`,
      example: '# Plan\n\n- [ ] freeze on **Friday**',
    }),
    IsOptional(),
    IsString(),
    MaxUtf8Bytes(NOTE_BODY_MAX_BYTES),
  );

/** Tags as sent are trimmed, lower-cased, NFC-normalised and de-duplicated before validation. */
const NoteTags = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: [String],
      maxItems: NOTE_MAX_TAGS,
      description: `Normalised (trimmed, lower-case, unique); at most ${NOTE_MAX_TAGS} of 1-${NOTE_TAG_MAX_LENGTH} characters, no commas or control characters.`,
      example: ['release', 'q3'],
    }),
    IsOptional(),
    Transform(({ value }) =>
      Array.isArray(value) && value.every((t) => typeof t === 'string')
        ? normaliseTags(value as string[])
        : value,
    ),
    IsArray(),
    ArrayMaxSize(NOTE_MAX_TAGS),
    IsString({ each: true }),
    Length(1, NOTE_TAG_MAX_LENGTH, { each: true }),
    Matches(TAG_PATTERN, {
      each: true,
      message: 'tags must not contain commas or control characters',
    }),
  );

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

export class CreateNoteDto {
  @RequiredText(NOTE_TITLE_MAX_LENGTH, TITLE_DOC.example)
  title: string;

  @NoteBody()
  body?: string;

  @NoteTags()
  tags?: string[];

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  pinned?: boolean;
}

export class UpdateNoteDto {
  @ApiPropertyOptional(TITLE_DOC)
  @IsOptional()
  @RequiredText(NOTE_TITLE_MAX_LENGTH)
  title?: string;

  @NoteBody()
  body?: string;

  @NoteTags()
  tags?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  pinned?: boolean;

  @ApiPropertyOptional({ description: 'true archives the note, false restores it.' })
  @IsOptional()
  @IsBoolean()
  archived?: boolean;
}

export class ListNotesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description:
      'Full-text search over title (weighted higher) and body; results ranked by relevance. Words must all match; `"a phrase"` matches the words in order; `deploy*` matches words starting with deploy. Other punctuation is ignored.',
    example: '"release plan" deploy*',
  })
  @IsOptional()
  @IsString()
  q?: string;

  @ApiPropertyOptional({
    type: [String],
    description: `Only notes having all these tags; repeat the parameter and/or separate with commas (at most ${NOTE_MAX_TAGS}).`,
    example: ['release', 'q3'],
  })
  @IsOptional()
  @Transform(({ value }) => parseTagFilter(value))
  @IsArray()
  @ArrayMaxSize(NOTE_MAX_TAGS)
  @IsString({ each: true })
  @MaxLength(NOTE_TAG_MAX_LENGTH, { each: true })
  tag?: string[];

  @ApiPropertyOptional({ description: 'Only pinned (true) or only unpinned (false) notes.' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  pinned?: boolean;

  @ApiPropertyOptional({
    default: false,
    description: 'Archived notes (true) instead of the current ones (false).',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  archived?: boolean;

  @ApiPropertyOptional({
    format: 'date-time',
    description: 'Only notes updated after this instant (ISO 8601).',
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  updatedAfter?: string;
}

export class NoteResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) workspaceId: string;
  @ApiProperty() title: string;
  @ApiProperty({ description: 'Markdown, exactly as stored.' }) body: string;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty() pinned: boolean;
  @ApiProperty() archived: boolean;
  @ApiProperty({ type: 'integer', description: 'Also the ETag; send it in If-Match.' })
  version: number;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Null when a system actor (an inbound connector) wrote it.',
  })
  createdBy: string | null;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'Who made the last change; null for a system actor (an inbound connector).',
  })
  updatedBy: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

/** A list or search result: the note without its body (which may be 1 MiB). */
export class NoteSummaryDto extends OmitType(NoteResponseDto, ['body'] as const) {
  @ApiProperty({ description: 'The first characters of the body, as stored.' }) excerpt: string;

  @ApiPropertyOptional({
    description:
      'Search results only: relevance (higher first; a title match weighs more than a body match).',
  })
  rank?: number;

  @ApiPropertyOptional({
    description:
      'Search results only: a passage of the body as safe HTML, the note text escaped and the matched words in `<mark>...</mark>`. The only field with markup. Taken from the first 64 KiB of the body.',
    example: 'the <mark>release</mark> <mark>plan</mark> for Q3 is',
  })
  snippet?: string;
}
