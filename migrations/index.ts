import { InitialSchema1795324499983 } from './1795324499983-InitialSchema.js';
import { BoardSchema1795325154684 } from './1795325154684-BoardSchema.js';
import { AuditLog1795325331788 } from './1795325331788-AuditLog.js';
import { NotesSchema1795328291341 } from './1795328291341-NotesSchema.js';
import { RemindersSchema1795986091722 } from './1795986091722-RemindersSchema.js';
import { DashboardFlow1795986346926 } from './1795986346926-DashboardFlow.js';
import { ConnectorsSchema1795987160057 } from './1795987160057-ConnectorsSchema.js';
import { CardsBySystemActors1795990015621 } from './1795990015621-CardsBySystemActors.js';
import { NotesBySystemActors1795991032831 } from './1795991032831-NotesBySystemActors.js';
import { DashboardRollups1795994098724 } from './1795994098724-DashboardRollups.js';
import { DashboardDueHours1795996347836 } from './1795996347836-DashboardDueHours.js';
import { DashboardFlowTimesCovering1795997157828 } from './1795997157828-DashboardFlowTimesCovering.js';
import { ColumnInProgress1796013757632 } from './1796013757632-ColumnInProgress.js';

/**
 * Every migration, in order. `npm run migration:generate -- Name` writes a new file and adds it
 * here; the app, the tests and the scripts all read this list.
 */
export const migrations: Function[] = [
  InitialSchema1795324499983,
  BoardSchema1795325154684,
  AuditLog1795325331788,
  NotesSchema1795328291341,
  RemindersSchema1795986091722,
  DashboardFlow1795986346926,
  ConnectorsSchema1795987160057,
  CardsBySystemActors1795990015621,
  NotesBySystemActors1795991032831,
  DashboardRollups1795994098724,
  DashboardDueHours1795996347836,
  DashboardFlowTimesCovering1795997157828,
  ColumnInProgress1796013757632,
];
