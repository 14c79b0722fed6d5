import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BoardModule } from '../board/board.module.js';
import { NoteCardLinkEntity } from './note-card-link.entity.js';
import { NoteDirectory } from './note-directory.service.js';
import { NoteLinksController } from './note-links.controller.js';
import { NoteLinksService } from './note-links.service.js';
import { NoteRevisionEntity } from './note-revision.entity.js';
import { NoteRevisionsController } from './note-revisions.controller.js';
import { NoteRevisionsService } from './note-revisions.service.js';
import { NoteEntity } from './note.entity.js';
import { NotesController } from './notes.controller.js';
import { NotesQueries } from './notes.queries.js';
import { NotesService } from './notes.service.js';

/** Markdown notes: tags, full-text search, revisions, links to cards (DESIGN §5 Notes). */
@Module({
  imports: [
    TypeOrmModule.forFeature([NoteEntity, NoteRevisionEntity, NoteCardLinkEntity]),
    BoardModule,
  ],
  controllers: [NotesController, NoteRevisionsController, NoteLinksController],
  providers: [NotesService, NoteRevisionsService, NoteLinksService, NotesQueries, NoteDirectory],
  exports: [NotesService, NoteDirectory],
})
export class NotesModule {}
