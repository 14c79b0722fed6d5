import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { CardDirectory, type CardRef } from '../board/card-directory.service.js';
import { principalUserId } from '../common/auth.decorators.js';
import {
  CursorCodec,
  paginate,
  type KeysetKey,
  type Page,
  type PageRequest,
} from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { WorkspaceAccess } from '../identity/workspace-access.service.js';
import type { LinkedNoteDto, NoteCardLinkDto } from './dto/link.dto.js';
import { NoteCardLinkEntity } from './note-card-link.entity.js';
import { NotesProblems } from './notes.errors.js';
import { toNoteSummary } from './notes.mappers.js';
import { NotesQueries } from './notes.queries.js';
import { NotesService } from './notes.service.js';

export const CARD_NOT_FOUND = 'Card not found.';
export const LINK_NOT_FOUND = 'This card is not linked to this note.';

const LINK_KEYS: KeysetKey<NoteCardLinkEntity>[] = [
  { column: 'l.id', direction: 'DESC', value: (l) => l.id },
];

const toLinkDto = (link: NoteCardLinkEntity, card: CardRef): NoteCardLinkDto => ({
  noteId: link.noteId,
  cardId: link.cardId,
  boardId: card.boardId,
  cardTitle: card.title,
  linkedBy: link.createdBy,
  linkedAt: link.createdAt.toISOString(),
});

/** Links between notes and cards of the same workspace, both ways. */
@Injectable()
export class NoteLinksService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly access: WorkspaceAccess,
    private readonly notes: NotesService,
    private readonly queries: NotesQueries,
    private readonly cards: CardDirectory,
    private readonly cursors: CursorCodec,
  ) {}

  /**
   * Links the card to the note (idempotent: linking again changes nothing and records no
   * event). A card that is missing or of another workspace is a 422, the same for both.
   */
  async link(principal: Principal, noteId: string, cardId: string): Promise<NoteCardLinkDto> {
    const userId = principalUserId(principal);
    return this.tx.run(async (em) => {
      const note = await this.notes.load(em, principal, noteId, 'member');
      const card = (await this.cards.cardsInWorkspace(note.workspaceId, [cardId])).get(cardId);
      if (!card) {
        throw NotesProblems.cardNotInWorkspace(
          "The card does not exist in this note's workspace.",
          { errors: [{ field: 'cardId', message: "must be a card of the note's workspace" }] },
        );
      }
      const inserted = (await em
        .createQueryBuilder()
        .insert()
        .into(NoteCardLinkEntity)
        .values({
          id: newId(),
          workspaceId: note.workspaceId,
          noteId,
          boardId: card.boardId,
          cardId,
          createdBy: userId,
        })
        .orIgnore()
        .returning(['id'])
        .execute()) as { raw: unknown[] };
      const link = await em.findOneByOrFail(NoteCardLinkEntity, {
        workspaceId: note.workspaceId,
        noteId,
        cardId,
      });
      if (inserted.raw.length > 0) {
        await this.audit.record(em, {
          workspaceId: note.workspaceId,
          action: 'note.card_linked',
          entityType: 'note',
          entityId: noteId,
          changes: { cardId: { from: null, to: cardId } },
        });
      }
      return toLinkDto(link, card);
    });
  }

  async unlink(principal: Principal, noteId: string, cardId: string): Promise<void> {
    await this.tx.run(async (em) => {
      const note = await this.notes.load(em, principal, noteId, 'member');
      const result = await em.delete(NoteCardLinkEntity, {
        workspaceId: note.workspaceId,
        noteId,
        cardId,
      });
      if (!result.affected) throw CommonProblems.notFound(LINK_NOT_FOUND);
      await this.audit.record(em, {
        workspaceId: note.workspaceId,
        action: 'note.card_unlinked',
        entityType: 'note',
        entityId: noteId,
        changes: { cardId: { from: cardId, to: null } },
      });
    });
  }

  /** The cards linked to a note, newest link first. */
  async cardsOfNote(
    principal: Principal,
    noteId: string,
    page: PageRequest,
  ): Promise<Page<NoteCardLinkDto>> {
    const note = await this.notes.load(this.tx.manager, principal, noteId, 'viewer');
    const qb = this.tx.manager
      .createQueryBuilder(NoteCardLinkEntity, 'l')
      .where('l.workspace_id = :workspaceId AND l.note_id = :noteId', {
        workspaceId: note.workspaceId,
        noteId,
      });
    const links = await paginate(qb, page, LINK_KEYS, this.cursors, (l) => l);
    const cards = await this.cards.cardsInWorkspace(
      note.workspaceId,
      links.data.map((l) => l.cardId),
    );
    return {
      // A card deleted meanwhile took its link with it (FK cascade); skip it if the read raced.
      data: links.data.flatMap((l) => {
        const card = cards.get(l.cardId);
        return card ? [toLinkDto(l, card)] : [];
      }),
      nextCursor: links.nextCursor,
    };
  }

  /** The notes linked to a card, newest link first. A foreign card is a 404, like a missing one. */
  async notesOfCard(
    principal: Principal,
    cardId: string,
    page: PageRequest,
  ): Promise<Page<LinkedNoteDto>> {
    const card = await this.cards.findCard(cardId);
    if (!card) throw CommonProblems.notFound(CARD_NOT_FOUND);
    await this.access.require(principal, card.workspaceId, 'viewer', CARD_NOT_FOUND);
    const result = await this.queries.cardNotesPage(card.workspaceId, card.boardId, cardId, page);
    return {
      data: result.data.map((r) => ({
        ...toNoteSummary(r),
        linkedBy: r.linkedBy,
        linkedAt: new Date(r.linkedAt).toISOString(),
      })),
      nextCursor: result.nextCursor,
    };
  }
}
