import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import {
  CursorCodec,
  paginate,
  type KeysetKey,
  type Page,
  type PageRequest,
} from '../common/pagination.js';
import { CommonProblems } from '../common/problem.js';
import type { Principal } from '../common/request-context.js';
import { isUniqueViolation } from '../database/pg-errors.js';
import { TransactionHost } from '../database/transaction-host.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, deleteVersioned, updateVersioned } from '../database/versioned-update.js';
import type { AddMemberDto, MemberResponseDto, UpdateMemberDto } from './dto/workspace.dto.js';
import { IdentityProblems } from './identity.errors.js';
import { toMemberResponse } from './identity.mappers.js';
import { MembershipEntity, type Role } from './membership.entity.js';
import { UserEntity } from './user.entity.js';
import { WorkspaceAccess } from './workspace-access.service.js';

const MEMBER_KEYS: KeysetKey<MembershipEntity>[] = [
  { column: 'm.id', direction: 'ASC', value: (m) => m.id },
];

/**
 * Members and roles. Admins manage members; only owners grant or take the owner role; the last
 * owner can be neither removed nor demoted. Owner counts are checked with the workspace's
 * memberships locked, so two concurrent demotions cannot leave a workspace without an owner.
 */
@Injectable()
export class MembersService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly audit: AuditService,
    private readonly access: WorkspaceAccess,
    private readonly cursors: CursorCodec,
  ) {}

  async list(
    principal: Principal,
    workspaceId: string,
    page: PageRequest,
  ): Promise<Page<MemberResponseDto>> {
    await this.access.require(principal, workspaceId, 'viewer');
    const qb = this.tx.manager
      .createQueryBuilder(MembershipEntity, 'm')
      .where('m.workspace_id = :workspaceId', { workspaceId });
    const result = await paginate(qb, page, MEMBER_KEYS, this.cursors, (m) => m);
    const users = await this.usersById(
      this.tx.manager,
      result.data.map((m) => m.userId),
    );
    return {
      data: result.data.map((m) => toMemberResponse(m, users.get(m.userId)!)),
      nextCursor: result.nextCursor,
    };
  }

  async get(principal: Principal, workspaceId: string, userId: string): Promise<MemberResponseDto> {
    await this.access.require(principal, workspaceId, 'viewer');
    const m = await this.find(this.tx.manager, workspaceId, userId);
    const users = await this.usersById(this.tx.manager, [userId]);
    return toMemberResponse(m, users.get(userId)!);
  }

  async add(
    principal: Principal,
    workspaceId: string,
    dto: AddMemberDto,
  ): Promise<MemberResponseDto> {
    return this.tx.run(async (em) => {
      const grant = await this.access.require(principal, workspaceId, 'admin');
      this.assertMayGrant(grant.role, dto.role);
      const user = await em.findOneBy(UserEntity, { email: dto.email });
      if (!user) {
        throw IdentityProblems.userNotFound(`No registered user has the email ${dto.email}.`, {
          errors: [{ field: 'email', message: 'no registered user has this email' }],
        });
      }
      const id = newId();
      await em
        .insert(MembershipEntity, { id, workspaceId, userId: user.id, role: dto.role })
        .catch((err: unknown) => {
          throw isUniqueViolation(err, 'ux_memberships_workspace_user')
            ? IdentityProblems.alreadyMember()
            : err;
        });
      const m = await em.findOneByOrFail(MembershipEntity, { id });
      await this.audit.record(em, {
        workspaceId,
        action: 'member.added',
        entityType: 'member',
        entityId: user.id,
        changes: { role: { from: null, to: dto.role }, email: { from: null, to: user.email } },
      });
      return toMemberResponse(m, user);
    });
  }

  async changeRole(
    principal: Principal,
    workspaceId: string,
    userId: string,
    dto: UpdateMemberDto,
    ifMatch?: number,
  ): Promise<MemberResponseDto> {
    return this.tx.run(async (em) => {
      const grant = await this.access.require(principal, workspaceId, 'admin');
      const m = await this.find(em, workspaceId, userId);
      this.assertMayGrant(grant.role, m.role);
      this.assertMayGrant(grant.role, dto.role);
      const users = await this.usersById(em, [userId]);
      if (m.role === dto.role) {
        checkIfMatch(m.version, ifMatch);
        return toMemberResponse(m, users.get(userId)!);
      }
      if (m.role === 'owner') await this.assertAnotherOwner(em, workspaceId, userId);
      await updateVersioned(em, MembershipEntity, m.id, m.version, ifMatch, { role: dto.role });
      await this.audit.record(em, {
        workspaceId,
        action: 'member.role_changed',
        entityType: 'member',
        entityId: userId,
        changes: { role: { from: m.role, to: dto.role } },
      });
      const after = await em.findOneByOrFail(MembershipEntity, { id: m.id });
      return toMemberResponse(after, users.get(userId)!);
    });
  }

  async remove(
    principal: Principal,
    workspaceId: string,
    userId: string,
    ifMatch?: number,
  ): Promise<void> {
    await this.tx.run(async (em) => {
      // Anyone may leave a workspace; removing somebody else needs admin.
      const self = principal.type !== 'system' && principal.userId === userId;
      const grant = await this.access.require(principal, workspaceId, self ? 'viewer' : 'admin');
      const m = await this.find(em, workspaceId, userId);
      if (!self) this.assertMayGrant(grant.role, m.role);
      checkIfMatch(m.version, ifMatch);
      if (m.role === 'owner') await this.assertAnotherOwner(em, workspaceId, userId);
      await deleteVersioned(em, MembershipEntity, m.id, m.version, ifMatch);
      await this.audit.record(em, {
        workspaceId,
        action: 'member.removed',
        entityType: 'member',
        entityId: userId,
        changes: { role: { from: m.role, to: null } },
      });
    });
  }

  private assertMayGrant(actorRole: Role, role: Role): void {
    if (role === 'owner' && actorRole !== 'owner') {
      throw CommonProblems.forbidden('Only owners can grant, change or remove the owner role.');
    }
  }

  /** Locks the workspace's owner rows, then requires an owner other than `userId`. */
  private async assertAnotherOwner(
    em: EntityManager,
    workspaceId: string,
    userId: string,
  ): Promise<void> {
    const owners = (await em.query(
      `SELECT user_id FROM memberships WHERE workspace_id = $1 AND role = 'owner' ORDER BY id FOR UPDATE`,
      [workspaceId],
    )) as Array<{ user_id: string }>;
    if (!owners.some((o) => o.user_id !== userId)) throw IdentityProblems.lastOwner();
  }

  private async find(
    em: EntityManager,
    workspaceId: string,
    userId: string,
  ): Promise<MembershipEntity> {
    const m = await em.findOneBy(MembershipEntity, { workspaceId, userId });
    if (!m) throw CommonProblems.notFound('No such member in this workspace.');
    return m;
  }

  private async usersById(em: EntityManager, ids: string[]): Promise<Map<string, UserEntity>> {
    if (ids.length === 0) return new Map();
    const users = await em
      .createQueryBuilder(UserEntity, 'u')
      .select(['u.id', 'u.email', 'u.name'])
      .where('u.id = ANY(:ids)', { ids })
      .getMany();
    return new Map(users.map((u) => [u.id, u]));
  }
}
