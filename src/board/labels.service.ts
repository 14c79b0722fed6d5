import { Injectable } from '@nestjs/common';
import type { Page, PageRequest } from '../common/pagination.js';
import { sentFields } from '../common/validators.js';
import { isUniqueViolation } from '../database/pg-errors.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, deleteVersioned, updateVersioned } from '../database/versioned-update.js';
import {
  defineKeyset,
  diffChanges,
  WorkspaceUnitOfWork,
  type Actor,
  type WorkspaceScope,
} from '../kernel/index.js';
import { BoardProblems } from './board.errors.js';
import { LabelEvents } from './board.events.js';
import { toLabelResponse } from './board.mappers.js';
import {
  assertBoardWritable,
  Boards,
  LABEL_FIELDS,
  Labels,
  onWritableBoard,
  selectList,
  type LabelRow,
} from './board.tables.js';
import type { CreateLabelDto, LabelResponseDto, UpdateLabelDto } from './dto/label.dto.js';
import { LabelEntity } from './entities/label.entity.js';

const LABEL_EVENT_FIELDS = ['name', 'color'];
const NAME_INDEX = 'ux_board_labels_board_name';
const LABEL_SELECT = selectList('t', LABEL_FIELDS);

/** A board's labels by name. */
export const LabelList = defineKeyset<LabelRow>('labels.list', [
  { column: 't.name', direction: 'ASC', type: 'text', value: (l) => l.name },
  { column: 't.id', direction: 'ASC', type: 'uuid', value: (l) => l.id },
]);

const nameTaken = (name: string) =>
  BoardProblems.labelNameTaken(`The board already has a label named "${name}".`, {
    errors: [{ field: 'name', message: 'is taken on this board' }],
  });

/** Board-scoped labels; deleting one takes it off every card. */
@Injectable()
export class LabelsService {
  constructor(private readonly uow: WorkspaceUnitOfWork) {}

  create(actor: Actor, boardId: string, dto: CreateLabelDto): Promise<LabelResponseDto> {
    return this.uow.write(actor, Boards.ref(boardId), 'member', async (s) => {
      assertBoardWritable(s.row.archivedAt);
      const id = newId();
      await s.em
        .insert(LabelEntity, {
          id,
          workspaceId: s.workspaceId,
          boardId,
          name: dto.name,
          color: dto.color,
        })
        .catch((err: unknown) => {
          throw isUniqueViolation(err, NAME_INDEX) ? nameTaken(dto.name) : err;
        });
      const label = await this.byId(s, id);
      s.record(LabelEvents.created, id, diffChanges(null, label, LABEL_EVENT_FIELDS));
      return toLabelResponse(label);
    });
  }

  list(actor: Actor, boardId: string, page: PageRequest): Promise<Page<LabelResponseDto>> {
    return this.uow.read(actor, Boards.ref(boardId), 'viewer', (s) =>
      LabelList.fetch(
        s,
        {
          select: `SELECT ${LABEL_SELECT} FROM board_labels t`,
          where: 't.workspace_id = $1 AND t.board_id = $2',
          params: [s.workspaceId, boardId],
          ...page,
        },
        toLabelResponse,
      ),
    );
  }

  get(actor: Actor, labelId: string): Promise<LabelResponseDto> {
    return this.uow.read(actor, Labels.ref(labelId), 'viewer', async (s) => toLabelResponse(s.row));
  }

  update(
    actor: Actor,
    labelId: string,
    dto: UpdateLabelDto,
    ifMatch?: number,
  ): Promise<LabelResponseDto> {
    return this.uow.write(actor, Labels.ref(labelId), 'member', async (s) => {
      const label = onWritableBoard(s.row);
      const sent = sentFields(dto);
      const changes = diffChanges(label, { ...label, ...sent }, LABEL_EVENT_FIELDS);
      if (Object.keys(changes).length === 0) {
        checkIfMatch(label.version, ifMatch);
        return toLabelResponse(label);
      }
      await updateVersioned(s.em, LabelEntity, label.id, label.version, ifMatch, sent).catch(
        (err: unknown) => {
          throw isUniqueViolation(err, NAME_INDEX) ? nameTaken(dto.name ?? label.name) : err;
        },
      );
      const after = await this.byId(s, labelId);
      s.record(LabelEvents.updated, labelId, changes);
      return toLabelResponse(after);
    });
  }

  async remove(actor: Actor, labelId: string, ifMatch?: number): Promise<void> {
    await this.uow.write(actor, Labels.ref(labelId), 'member', async (s) => {
      const label = onWritableBoard(s.row);
      await deleteVersioned(s.em, LabelEntity, label.id, label.version, ifMatch);
      s.record(LabelEvents.deleted, labelId, diffChanges(label, null, LABEL_EVENT_FIELDS));
    });
  }

  private async byId(s: WorkspaceScope<unknown>, id: string): Promise<LabelRow> {
    const [row] = await s.query<LabelRow>(
      `SELECT ${LABEL_SELECT} FROM board_labels t WHERE t.workspace_id = $1 AND t.id = $2`,
      [s.workspaceId, id],
    );
    return row;
  }
}
