import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { diffChanges } from '../audit/changes.js';
import {
  CursorCodec,
  paginate,
  type KeysetKey,
  type Page,
  type PageRequest,
} from '../common/pagination.js';
import type { Principal } from '../common/request-context.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { updateVersioned, checkIfMatch } from '../database/versioned-update.js';
import { principalUserId } from '../common/auth.decorators.js';
import type {
  CreateWorkspaceDto,
  UpdateWorkspaceDto,
  WorkspaceResponseDto,
} from './dto/workspace.dto.js';
import { toWorkspaceResponse } from './identity.mappers.js';
import { MembershipEntity } from './membership.entity.js';
import { WorkspaceAccess } from './workspace-access.service.js';
import { WorkspaceEntity } from './workspace.entity.js';

const WORKSPACE_KEYS: KeysetKey<WorkspaceEntity>[] = [
  { column: 'w.id', direction: 'ASC', value: (w) => w.id },
];

@Injectable()
export class WorkspacesService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly access: WorkspaceAccess,
    private readonly cursors: CursorCodec,
  ) {}

  async create(principal: Principal, dto: CreateWorkspaceDto): Promise<WorkspaceResponseDto> {
    const userId = principalUserId(principal);
    return this.tx.run(async (em) => {
      const id = newId();
      await em.insert(WorkspaceEntity, { id, name: dto.name, createdBy: userId });
      await em.insert(MembershipEntity, { id: newId(), workspaceId: id, userId, role: 'owner' });
      const ws = await em.findOneByOrFail(WorkspaceEntity, { id });
      await this.audit.record(em, {
        workspaceId: id,
        action: 'workspace.created',
        entityType: 'workspace',
        entityId: id,
        changes: diffChanges(null, ws, ['name']),
      });
      return toWorkspaceResponse(ws, 'owner');
    });
  }

  async listMine(principal: Principal, page: PageRequest): Promise<Page<WorkspaceResponseDto>> {
    const userId = principalUserId(principal);
    const qb = this.tx.manager
      .createQueryBuilder(WorkspaceEntity, 'w')
      .innerJoin(MembershipEntity, 'm', 'm.workspace_id = w.id AND m.user_id = :userId', { userId })
      .where('w.deleted_at IS NULL');
    const rolesById = new Map<string, MembershipEntity['role']>();
    const result = await paginate(qb, page, WORKSPACE_KEYS, this.cursors, (w) => w);
    if (result.data.length > 0) {
      const roles = await this.tx.manager.find(MembershipEntity, {
        where: result.data.map((w) => ({ workspaceId: w.id, userId })),
        select: { workspaceId: true, role: true },
      });
      roles.forEach((r) => rolesById.set(r.workspaceId, r.role));
    }
    return {
      data: result.data.map((w) => toWorkspaceResponse(w, rolesById.get(w.id) ?? 'viewer')),
      nextCursor: result.nextCursor,
    };
  }

  async get(principal: Principal, workspaceId: string): Promise<WorkspaceResponseDto> {
    const grant = await this.access.require(principal, workspaceId, 'viewer');
    const ws = await this.tx.manager.findOneByOrFail(WorkspaceEntity, { id: workspaceId });
    return toWorkspaceResponse(ws, grant.role);
  }

  async update(
    principal: Principal,
    workspaceId: string,
    dto: UpdateWorkspaceDto,
    ifMatch?: number,
  ): Promise<WorkspaceResponseDto> {
    return this.tx.run(async (em) => {
      const grant = await this.access.require(principal, workspaceId, 'admin');
      const before = await em.findOneByOrFail(WorkspaceEntity, { id: workspaceId });
      const changes = diffChanges(before, { ...before, ...dto }, ['name', 'timeZone']);
      if (Object.keys(changes).length === 0) {
        checkIfMatch(before.version, ifMatch);
        return toWorkspaceResponse(before, grant.role);
      }
      await updateVersioned(em, WorkspaceEntity, workspaceId, before.version, ifMatch, { ...dto });
      const after = await em.findOneByOrFail(WorkspaceEntity, { id: workspaceId });
      await this.audit.record(em, {
        workspaceId,
        action: 'workspace.updated',
        entityType: 'workspace',
        entityId: workspaceId,
        changes,
      });
      return toWorkspaceResponse(after, grant.role);
    });
  }

  async remove(principal: Principal, workspaceId: string, ifMatch?: number): Promise<void> {
    await this.tx.run(async (em) => {
      await this.access.require(principal, workspaceId, 'owner');
      const before = await em.findOneByOrFail(WorkspaceEntity, { id: workspaceId });
      await updateVersioned(em, WorkspaceEntity, workspaceId, before.version, ifMatch, {
        deletedAt: new Date(),
      });
      await this.audit.record(em, {
        workspaceId,
        action: 'workspace.deleted',
        entityType: 'workspace',
        entityId: workspaceId,
        changes: { deletedAt: { from: null, to: new Date().toISOString() } },
      });
    });
  }
}
