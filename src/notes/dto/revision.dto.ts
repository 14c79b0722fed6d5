import { ApiProperty } from '@nestjs/swagger';

/** A revision in a list: without its body (which may be 1 MiB). */
export class NoteRevisionSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) noteId: string;
  @ApiProperty({
    type: 'integer',
    description:
      "The version of the note this revision preserves (named so that a revision carries no ETag: If-Match on restore is the note's current version).",
  })
  noteVersion: number;
  @ApiProperty() title: string;
  @ApiProperty({ type: [String] }) tags: string[];
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description:
      'Who wrote this version of the note; null for a system actor (an inbound connector).',
  })
  authorId: string | null;
  @ApiProperty({ format: 'date-time', description: 'When this version of the note was written.' })
  authoredAt: string;
  @ApiProperty({ format: 'date-time', description: 'When a later update replaced it.' })
  createdAt: string;
}

export class NoteRevisionResponseDto extends NoteRevisionSummaryDto {
  @ApiProperty({ description: 'Markdown, exactly as it was.' }) body: string;
}
