import { InitialSchema1795324499983 } from './1795324499983-InitialSchema.js';
import { BoardSchema1795325154684 } from './1795325154684-BoardSchema.js';
import { NotesAndRevisions1795325394394 } from './1795325394394-NotesAndRevisions.js';
import { NoteCardLinks1795325957808 } from './1795325957808-NoteCardLinks.js';

/**
 * Every migration, in order. `npm run migration:generate -- Name` writes a new file and adds it
 * here; the app, the tests and the scripts all read this list.
 */
export const migrations: Function[] = [
  InitialSchema1795324499983,
  BoardSchema1795325154684,
  NotesAndRevisions1795325394394,
  NoteCardLinks1795325957808,
];
