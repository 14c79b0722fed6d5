import { ApiProperty } from '@nestjs/swagger';
import { NoteSummaryDto } from './note.dto.js';

/** A card linked to a note. */
export class NoteCardLinkDto {
  @ApiProperty({ format: 'uuid' }) noteId: string;
  @ApiProperty({ format: 'uuid' }) cardId: string;
  @ApiProperty({ format: 'uuid' }) boardId: string;
  @ApiProperty({ description: "The card's current title." }) cardTitle: string;
  @ApiProperty({ format: 'uuid' }) linkedBy: string;
  @ApiProperty({ format: 'date-time' }) linkedAt: string;
}

/** A note linked to a card: the note's summary plus when and by whom it was linked. */
export class LinkedNoteDto extends NoteSummaryDto {
  @ApiProperty({ format: 'uuid' }) linkedBy: string;
  @ApiProperty({ format: 'date-time' }) linkedAt: string;
}
