import { Injectable } from '@nestjs/common';
import { CardDirectory, type CardRef } from '../board/card-directory.service.js';
import type { Page, PageRequest } from '../common/pagination.js';
import { CommonProblems, ProblemException } from '../common/problem.js';
import { newId } from '../database/uuid.js';
import type { Actor } from '../kernel/actor.js';
import { defineKeyset } from '../kernel/keyset.js';
import { WorkspaceUnitOfWork } from '../kernel/unit-of-work.js';
import type { LinkedNoteDto, NoteCardLinkDto } from './dto/link.dto.js';
import { NoteCardLinkEntity } from './note-card-link.entity.js';
import { NotesProblems } from './notes.errors.js';
import { NoteEvents } from './notes.events.js';
import { toNoteSummary } from './notes.mappers.js';
import { NotesQueries } from './notes.queries.js';
import { NotesService } from './notes.service.js';

export const CARD_NOT_FOUND = 'Card not found.';
export const LINK_NOT_FOUND = 'This card is not linked to this note.';

interface LinkRow {
  id: string;
  noteId: string;
  cardId: string;
  createdBy: string;
  createdAt: Date;
}

const LinkList = defineKeyset<LinkRow>('notes.card_links', [
  { column: 'l.id', direction: 'DESC', value: (l) => l.id, type: 'uuid' },
]);

const toLinkDto = (link: LinkRow, card: CardRef): NoteCardLinkDto => ({
  noteId: link.noteId,
  cardId: link.cardId,
  boardId: card.boardId,
  cardTitle: card.title,
  linkedBy: link.createdBy,
  linkedAt: new Date(link.createdAt).toISOString(),
});

/** Links between notes and cards of the same workspace, both ways. */
@Injectable()
export class NoteLinksService {
  constructor(
    private readonly uow: WorkspaceUnitOfWork,
    private readonly notes: NotesService,
    private readonly queries: NotesQueries,
    private readonly cards: CardDirectory,
  ) {}

  /**
   * Links the card to the note (idempotent: linking again changes nothing and records no
   * event). A card that is missing or of another workspace is a 422, the same for both.
   */
  link(actor: Actor, noteId: string, cardId: string): Promise<NoteCardLinkDto> {
    return this.notes.withNote(actor, noteId, 'member', async (s) => {
      const userId = s.userId;
      if (!userId) throw CommonProblems.forbidden('Links are made by users.');
      const card = (await this.cards.cardsInWorkspace(s.workspaceId, [cardId])).get(cardId);
      if (!card) {
        throw NotesProblems.cardNotInWorkspace(
          "The card does not exist in this note's workspace.",
          { errors: [{ field: 'cardId', message: "must be a card of the note's workspace" }] },
        );
      }
      const inserted = (await s.em
        .createQueryBuilder()
        .insert()
        .into(NoteCardLinkEntity)
        .values({
          id: newId(),
          workspaceId: s.workspaceId,
          noteId,
          boardId: card.boardId,
          cardId,
          createdBy: userId,
        })
        .orIgnore()
        .returning(['id'])
        .execute()) as { raw: unknown[] };
      const link = await s.em.findOneByOrFail(NoteCardLinkEntity, {
        workspaceId: s.workspaceId,
        noteId,
        cardId,
      });
      if (inserted.raw.length > 0) {
        s.record(NoteEvents.cardLinked, noteId, { cardId: { from: null, to: cardId } });
      }
      return toLinkDto(link, card);
    });
  }

  async unlink(actor: Actor, noteId: string, cardId: string): Promise<void> {
    await this.notes.withNote(actor, noteId, 'member', async (s) => {
      const result = await s.em.delete(NoteCardLinkEntity, {
        workspaceId: s.workspaceId,
        noteId,
        cardId,
      });
      if (!result.affected) throw CommonProblems.notFound(LINK_NOT_FOUND);
      s.record(NoteEvents.cardUnlinked, noteId, { cardId: { from: cardId, to: null } });
    });
  }

  /** The cards linked to a note, newest link first. */
  cardsOfNote(actor: Actor, noteId: string, page: PageRequest): Promise<Page<NoteCardLinkDto>> {
    return this.notes.withNote(actor, noteId, 'viewer', async (s) => {
      const links = await LinkList.fetch(
        s,
        {
          select: `SELECT l.id, l.note_id AS "noteId", l.card_id AS "cardId",
                          l.created_by AS "createdBy", l.created_at AS "createdAt"
                     FROM note_card_links l`,
          where: 'l.workspace_id = $1 AND l.note_id = $2',
          params: [s.workspaceId, noteId],
          ...page,
        },
        (l) => l,
      );
      const cards = await this.cards.cardsInWorkspace(
        s.workspaceId,
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
    });
  }

  /**
   * The notes linked to a card, newest link first. The card is the board module's: its
   * workspace comes from the board's card directory, and the unit of work checks the caller
   * there. A foreign card is a 404, like a missing one.
   */
  async notesOfCard(actor: Actor, cardId: string, page: PageRequest): Promise<Page<LinkedNoteDto>> {
    const card = await this.cards.findCard(cardId);
    if (!card) throw CommonProblems.notFound(CARD_NOT_FOUND);
    return this.uow
      .read(actor, { workspaceId: card.workspaceId }, 'viewer', async (s) => {
        const result = await this.queries.cardNotesPage(s, card.boardId, cardId, page);
        return {
          data: result.data.map((r) => ({
            ...toNoteSummary(r),
            linkedBy: r.linkedBy,
            linkedAt: new Date(r.linkedAt).toISOString(),
          })),
          nextCursor: result.nextCursor,
        };
      })
      .catch((err: unknown) => {
        // Not a member of the card's workspace: the card's 404, not the workspace's.
        if (err instanceof ProblemException && err.status === 404) {
          throw CommonProblems.notFound(CARD_NOT_FOUND);
        }
        throw err;
      });
  }
}
