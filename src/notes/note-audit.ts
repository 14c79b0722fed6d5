import { createHash } from 'node:crypto';

/**
 * What the audit log keeps of a body: its size and hash, never the text. A body may be 1 MiB;
 * copying it into every event (twice, before and after) would bloat the append-only log and
 * every export of it. The hash still proves which text was there (revisions hold the text).
 */
export interface BodyDigest {
  /** Characters (UTF-16 code units, as JSON counts them). */
  length: number;
  bytes: number;
  sha256: string;
}

export function bodyDigest(body: string): BodyDigest {
  return {
    length: body.length,
    bytes: Buffer.byteLength(body, 'utf8'),
    sha256: createHash('sha256').update(body, 'utf8').digest('hex'),
  };
}

export interface NoteContent {
  title: string;
  body: string;
  tags: string[];
  pinned: boolean;
  archived: boolean;
}

/** The fields of a note as the audit log records them (see `diffChanges`). */
export const NOTE_AUDIT_FIELDS = ['title', 'body', 'tags', 'pinned', 'archived'];

export function auditSnapshot(note: NoteContent): Record<string, unknown> {
  return {
    title: note.title,
    body: bodyDigest(note.body),
    tags: note.tags,
    pinned: note.pinned,
    archived: note.archived,
  };
}
