import { Injectable, type Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CardsService } from '../board/cards.service.js';
import { CreateCardDto } from '../board/dto/card.dto.js';
import { validationPipe } from '../common/validation.js';
import type { Actor } from '../kernel/index.js';
import { CreateNoteDto } from '../notes/dto/note.dto.js';
import { NotesService } from '../notes/notes.service.js';
import { ConnectorProblems } from './connector.errors.js';
import type { InboundTarget } from './inbound-targets.js';

/**
 * The public create route's validation, exactly: the global pipe (whitelist, unknown fields
 * rejected, 422 with field errors) over the route's DTO.
 */
async function validated<T>(dto: Type<T>, body: Record<string, unknown>): Promise<T> {
  return (await validationPipe.transform(body, { type: 'body', metatype: dto })) as T;
}

/**
 * Services are looked up when first used (ModuleRef, not strict), so the connector module
 * depends on no other module's wiring and a target whose module is absent is simply missing.
 */
function lookup<T>(refs: ModuleRef, token: Type<T> | string): T | null {
  try {
    return refs.get<T>(token as Type<T>, { strict: false });
  } catch {
    return null;
  }
}

/** `card`: `POST /v1/boards/{boardId}/cards` with the mapping's column. */
@Injectable()
export class CardInboundTarget implements InboundTarget {
  readonly target = 'card';
  readonly entityType = 'card';
  constructor(private readonly refs: ModuleRef) {}

  async create(
    actor: Actor,
    _ws: string,
    placement: Record<string, string>,
    body: Record<string, unknown>,
  ) {
    const dto = await validated(CreateCardDto, { ...body, columnId: placement.columnId });
    const cards = lookup(this.refs, CardsService);
    if (!cards) throw ConnectorProblems.targetUnavailable('The board module is not loaded.');
    return cards.create(actor, placement.boardId, dto);
  }
}

/** `note`: `POST /v1/workspaces/{workspaceId}/notes`. */
@Injectable()
export class NoteInboundTarget implements InboundTarget {
  readonly target = 'note';
  readonly entityType = 'note';
  constructor(private readonly refs: ModuleRef) {}

  async create(
    actor: Actor,
    workspaceId: string,
    _placement: Record<string, string>,
    body: Record<string, unknown>,
  ) {
    const dto = await validated(CreateNoteDto, body);
    const notes = lookup(this.refs, NotesService);
    if (!notes) throw ConnectorProblems.targetUnavailable('The notes module is not loaded.');
    return notes.create(actor, workspaceId, dto);
  }
}

/** Reminder creation service, by name: the reminders module may be absent from a build. */
interface ReminderCreator {
  create(actor: Actor, workspaceId: string, dto: unknown): Promise<{ id: string }>;
}
const REMINDERS_SERVICE = 'RemindersService';
const REMINDER_DTO = 'CreateReminderDto';

/**
 * `reminder`: pluggable. When a provider named RemindersService is loaded (with its create DTO
 * registered under CreateReminderDto), reminders are created through it; otherwise the target
 * reports itself unavailable and the inbound event fails with that reason.
 */
@Injectable()
export class ReminderInboundTarget implements InboundTarget {
  readonly target = 'reminder';
  readonly entityType = 'reminder';
  constructor(private readonly refs: ModuleRef) {}

  get available(): boolean {
    return lookup(this.refs, REMINDERS_SERVICE) !== null;
  }

  async create(
    actor: Actor,
    workspaceId: string,
    _placement: Record<string, string>,
    body: Record<string, unknown>,
  ) {
    const service = lookup<ReminderCreator>(this.refs, REMINDERS_SERVICE);
    if (!service)
      throw ConnectorProblems.targetUnavailable('Reminders are not available on this server.');
    const dto = lookup<Type<unknown>>(this.refs, REMINDER_DTO);
    return service.create(actor, workspaceId, dto ? await validated(dto, body) : body);
  }
}
