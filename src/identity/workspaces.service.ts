import { Injectable } from '@nestjs/common';
import { diffChanges } from '../audit/changes.js';
import { principalUserId } from '../common/auth.decorators.js';
import type { Page, PageRequest } from '../common/pagination.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, updateVersioned } from '../database/versioned-update.js';
import type { Actor } from '../kernel/actor.js';
import { defineKeyset } from '../kernel/keyset.js';
import { defineTenantTable } from '../kernel/tenancy.js';
import { WorkspaceUnitOfWork } from '../kernel/unit-of-work.js';
import type {
  CreateWorkspaceDto,
  UpdateWorkspaceDto,
  WorkspaceResponseDto,
} from './dto/workspace.dto.js';
import { WorkspaceEvents } from './identity.events.js';
import { toWorkspaceResponse } from './identity.mappers.js';
import { MembershipEntity, type Role } from './membership.entity.js';
import { WorkspaceEntity } from './workspace.entity.js';

export type WorkspaceRow = Pick<
  WorkspaceEntity,
  'id' | 'name' | 'searchLanguage' | 'timeZone' | 'version' | 'createdAt' | 'updatedAt'
>;

const WORKSPACE_COLUMNS = `t.id, t.name, t.search_language AS "searchLanguage",
  t.time_zone AS "timeZone", t.version,
  t.created_at AS "createdAt", t.updated_at AS "updatedAt"`;

/** The workspace row itself is the tenant: its workspace column is its id. */
export const Workspaces = defineTenantTable<WorkspaceRow>({
  table: 'workspaces',
  workspaceColumn: 'id',
  notFound: 'Workspace not found.',
  select: WORKSPACE_COLUMNS,
});

const MyWorkspaces = defineKeyset<WorkspaceRow & { role: Role }>('identity.workspaces', [
  { column: 't.id', direction: 'ASC', value: (w) => w.id, type: 'uuid' },
]);

@Injectable()
export class WorkspacesService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly uow: WorkspaceUnitOfWork,
  ) {}

  /** The creator becomes the owner; the event is recorded through the new workspace's scope. */
  async create(actor: Actor, dto: CreateWorkspaceDto): Promise<WorkspaceResponseDto> {
    const userId = principalUserId(actor);
    return this.tx.run(async (em) => {
      const id = newId();
      await em.insert(WorkspaceEntity, { id, name: dto.name, createdBy: userId });
      await em.insert(MembershipEntity, { id: newId(), workspaceId: id, userId, role: 'owner' });
      // 'viewer': the caller is the owner already; an owner-level check would wrongly ask an
      // API token for the admin scope just to create a workspace.
      return this.uow.write(actor, Workspaces.ref(id), 'viewer', async (s) => {
        s.record(WorkspaceEvents.created, id, diffChanges(null, s.row, ['name']));
        return toWorkspaceResponse(s.row, s.role);
      });
    });
  }

  /** The caller's live workspaces with their role, by id. */
  async listMine(actor: Actor, page: PageRequest): Promise<Page<WorkspaceResponseDto>> {
    const params: unknown[] = [principalUserId(actor)];
    const limit = MyWorkspaces.limit(page.limit);
    const after = MyWorkspaces.after(page.cursor, params);
    const rows = (await this.tx.manager.query(
      `SELECT ${WORKSPACE_COLUMNS}, m.role
         FROM workspaces t JOIN memberships m ON m.workspace_id = t.id AND m.user_id = $1
        WHERE t.deleted_at IS NULL AND ${after}
        ORDER BY ${MyWorkspaces.orderBy} LIMIT ${limit + 1}`,
      params,
    )) as Array<WorkspaceRow & { role: Role }>;
    return MyWorkspaces.page(rows, limit, (w) => toWorkspaceResponse(w, w.role));
  }

  get(actor: Actor, workspaceId: string): Promise<WorkspaceResponseDto> {
    return this.uow.read(actor, Workspaces.ref(workspaceId), 'viewer', async (s) =>
      toWorkspaceResponse(s.row, s.role),
    );
  }

  update(
    actor: Actor,
    workspaceId: string,
    dto: UpdateWorkspaceDto,
    ifMatch?: number,
  ): Promise<WorkspaceResponseDto> {
    return this.uow.write(actor, Workspaces.ref(workspaceId), 'admin', async (s) => {
      const before = s.row;
      const changes = diffChanges(before, { ...before, ...dto }, ['name', 'timeZone']);
      if (Object.keys(changes).length === 0) {
        checkIfMatch(before.version, ifMatch);
        return toWorkspaceResponse(before, s.role);
      }
      await updateVersioned(s.em, WorkspaceEntity, workspaceId, before.version, ifMatch, {
        ...dto,
      });
      const after = await s.em.findOneByOrFail(WorkspaceEntity, { id: workspaceId });
      s.record(WorkspaceEvents.updated, workspaceId, changes);
      return toWorkspaceResponse(after, s.role);
    });
  }

  async remove(actor: Actor, workspaceId: string, ifMatch?: number): Promise<void> {
    await this.uow.write(actor, Workspaces.ref(workspaceId), 'owner', async (s) => {
      const deletedAt = s.now();
      await updateVersioned(s.em, WorkspaceEntity, workspaceId, s.row.version, ifMatch, {
        deletedAt,
      });
      s.record(WorkspaceEvents.deleted, workspaceId, {
        deletedAt: { from: null, to: deletedAt.toISOString() },
      });
    });
  }
}
