import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { diffChanges, type Changes } from '../audit/changes.js';
import {
  CursorCodec,
  paginate,
  type KeysetKey,
  type Page,
  type PageRequest,
} from '../common/pagination.js';
import type { Principal } from '../common/request-context.js';
import { isUniqueViolation } from '../database/pg-errors.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, updateVersioned } from '../database/versioned-update.js';
import { assertBoardWritable, BoardAccess } from './board-access.service.js';
import { BoardProblems } from './board.errors.js';
import { toLabelResponse } from './board.mappers.js';
import { boardArchivedAt } from './cards.queries.js';
import type { CreateLabelDto, LabelResponseDto, UpdateLabelDto } from './dto/label.dto.js';
import { LabelEntity } from './entities/label.entity.js';
import { sentFields } from '../common/validators.js';
import { deleteVersioned } from '../database/versioned-update.js';

const LABEL_FIELDS = ['name', 'color'];
const NAME_INDEX = 'ux_board_labels_board_name';
const LABEL_KEYS: KeysetKey<LabelEntity>[] = [
  { column: 'l.name', direction: 'ASC', value: (l) => l.name },
  { column: 'l.id', direction: 'ASC', value: (l) => l.id },
];

const nameTaken = (name: string) =>
  BoardProblems.labelNameTaken(`The board already has a label named "${name}".`, {
    errors: [{ field: 'name', message: 'is taken on this board' }],
  });

/** Board-scoped labels; deleting one takes it off every card. */
@Injectable()
export class LabelsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly boards: BoardAccess,
    private readonly cursors: CursorCodec,
  ) {}

  async create(
    principal: Principal,
    boardId: string,
    dto: CreateLabelDto,
  ): Promise<LabelResponseDto> {
    return this.tx.run(async (em) => {
      const { board } = await this.boards.writableBoard(em, principal, boardId);
      const id = newId();
      await em
        .insert(LabelEntity, {
          id,
          workspaceId: board.workspaceId,
          boardId,
          name: dto.name,
          color: dto.color,
        })
        .catch((err: unknown) => {
          throw isUniqueViolation(err, NAME_INDEX) ? nameTaken(dto.name) : err;
        });
      const label = await em.findOneByOrFail(LabelEntity, { id });
      await this.record(em, label, 'label.created', diffChanges(null, label, LABEL_FIELDS));
      return toLabelResponse(label);
    });
  }

  async list(
    principal: Principal,
    boardId: string,
    page: PageRequest,
  ): Promise<Page<LabelResponseDto>> {
    const { board } = await this.boards.board(this.tx.manager, principal, boardId, 'viewer');
    const qb = this.tx.manager
      .createQueryBuilder(LabelEntity, 'l')
      .where('l.workspace_id = :workspaceId AND l.board_id = :boardId', {
        workspaceId: board.workspaceId,
        boardId,
      });
    return paginate(qb, page, LABEL_KEYS, this.cursors, toLabelResponse);
  }

  async get(principal: Principal, labelId: string): Promise<LabelResponseDto> {
    return toLabelResponse(await this.boards.label(this.tx.manager, principal, labelId, 'viewer'));
  }

  async update(
    principal: Principal,
    labelId: string,
    dto: UpdateLabelDto,
    ifMatch?: number,
  ): Promise<LabelResponseDto> {
    return this.tx.run(async (em) => {
      const label = await this.writableLabel(em, principal, labelId);
      const sent = sentFields(dto);
      const changes = diffChanges(label, { ...label, ...sent }, LABEL_FIELDS);
      if (Object.keys(changes).length === 0) {
        checkIfMatch(label.version, ifMatch);
        return toLabelResponse(label);
      }
      await updateVersioned(em, LabelEntity, label.id, label.version, ifMatch, sent).catch(
        (err: unknown) => {
          throw isUniqueViolation(err, NAME_INDEX) ? nameTaken(dto.name ?? label.name) : err;
        },
      );
      const after = await em.findOneByOrFail(LabelEntity, { id: labelId });
      await this.record(em, after, 'label.updated', changes);
      return toLabelResponse(after);
    });
  }

  async remove(principal: Principal, labelId: string, ifMatch?: number): Promise<void> {
    await this.tx.run(async (em) => {
      const label = await this.writableLabel(em, principal, labelId);
      await deleteVersioned(em, LabelEntity, label.id, label.version, ifMatch);
      await this.record(em, label, 'label.deleted', diffChanges(label, null, LABEL_FIELDS));
    });
  }

  private async writableLabel(
    em: EntityManager,
    principal: Principal,
    labelId: string,
  ): Promise<LabelEntity> {
    const label = await this.boards.label(em, principal, labelId, 'member');
    assertBoardWritable(await boardArchivedAt(em, label.workspaceId, label.boardId));
    return label;
  }

  private record(em: EntityManager, label: LabelEntity, action: string, changes: Changes) {
    return this.audit.record(em, {
      workspaceId: label.workspaceId,
      action,
      entityType: 'label',
      entityId: label.id,
      changes,
    });
  }
}
