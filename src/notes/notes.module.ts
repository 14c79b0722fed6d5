import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { IdentityModule } from '../identity/identity.module.js';
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
    TypeOrmModule.forFeature([NoteEntity, NoteRevisionEntity]),
    AuditModule,
    IdentityModule,
  ],
  controllers: [NotesController, NoteRevisionsController],
  providers: [NotesService, NoteRevisionsService, NotesQueries],
  exports: [NotesService],
})
export class NotesModule {}
