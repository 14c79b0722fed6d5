import { Injectable } from '@nestjs/common';
import { CommonProblems } from '../common/problem.js';
import type { Page, PageRequest } from '../common/pagination.js';
import { isUniqueViolation } from '../database/pg-errors.js';
import { newId } from '../database/uuid.js';
import { checkIfMatch, deleteVersioned, updateVersioned } from '../database/versioned-update.js';
import { actorUserId, type Actor } from '../kernel/actor.js';
import { defineKeyset } from '../kernel/keyset.js';
import { WorkspaceUnitOfWork, type WorkspaceScope } from '../kernel/unit-of-work.js';
import type { AddMemberDto, MemberResponseDto, UpdateMemberDto } from './dto/workspace.dto.js';
import { IdentityProblems } from './identity.errors.js';
import { MemberEvents } from './identity.events.js';
import { toMemberResponse } from './identity.mappers.js';
import { MembershipEntity, type Role } from './membership.entity.js';
import { UserEntity } from './user.entity.js';

export const MEMBER_NOT_FOUND = 'No such member in this workspace.';

interface MemberRow {
  id: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
  version: number;
  createdAt: Date;
}

const MEMBER_SQL = `SELECT m.id, m.user_id AS "userId", u.email, u.name, m.role, m.version,
         m.created_at AS "createdAt"
    FROM memberships m JOIN users u ON u.id = m.user_id`;

const MemberList = defineKeyset<MemberRow>('identity.members', [
  { column: 'm.id', direction: 'ASC', value: (m) => m.id, type: 'uuid' },
]);

/**
 * Members and roles. Admins manage members; only owners grant or take the owner role; the last
 * owner can be neither removed nor demoted. Owner counts are checked with the workspace's
 * memberships locked, so two concurrent demotions cannot leave a workspace without an owner.
 */
@Injectable()
export class MembersService {
  constructor(private readonly uow: WorkspaceUnitOfWork) {}

  list(actor: Actor, workspaceId: string, page: PageRequest): Promise<Page<MemberResponseDto>> {
    return this.uow.read(actor, { workspaceId }, 'viewer', (s) =>
      MemberList.fetch(
        s,
        { select: MEMBER_SQL, where: 'm.workspace_id = $1', params: [s.workspaceId], ...page },
        (m) => toMemberResponse(m, m),
      ),
    );
  }

  get(actor: Actor, workspaceId: string, userId: string): Promise<MemberResponseDto> {
    return this.uow.read(actor, { workspaceId }, 'viewer', async (s) => {
      const m = await this.find(s, userId);
      return toMemberResponse(m, m);
    });
  }

  add(actor: Actor, workspaceId: string, dto: AddMemberDto): Promise<MemberResponseDto> {
    return this.uow.write(actor, { workspaceId }, 'admin', async (s) => {
      this.assertMayGrant(s.role, dto.role);
      const user = await s.em.findOneBy(UserEntity, { email: dto.email });
      if (!user) {
        throw IdentityProblems.userNotFound(`No registered user has the email ${dto.email}.`, {
          errors: [{ field: 'email', message: 'no registered user has this email' }],
        });
      }
      await s.em
        .insert(MembershipEntity, {
          id: newId(),
          workspaceId: s.workspaceId,
          userId: user.id,
          role: dto.role,
        })
        .catch((err: unknown) => {
          throw isUniqueViolation(err, 'ux_memberships_workspace_user')
            ? IdentityProblems.alreadyMember()
            : err;
        });
      s.record(MemberEvents.added, user.id, {
        role: { from: null, to: dto.role },
        email: { from: null, to: user.email },
      });
      return toMemberResponse(await this.find(s, user.id), user);
    });
  }

  changeRole(
    actor: Actor,
    workspaceId: string,
    userId: string,
    dto: UpdateMemberDto,
    ifMatch?: number,
  ): Promise<MemberResponseDto> {
    return this.uow.write(actor, { workspaceId }, 'admin', async (s) => {
      const m = await this.find(s, userId);
      this.assertMayGrant(s.role, m.role);
      this.assertMayGrant(s.role, dto.role);
      if (m.role === dto.role) {
        checkIfMatch(m.version, ifMatch);
        return toMemberResponse(m, m);
      }
      if (m.role === 'owner') await this.assertAnotherOwner(s, userId);
      await updateVersioned(s.em, MembershipEntity, m.id, m.version, ifMatch, { role: dto.role });
      s.record(MemberEvents.roleChanged, userId, { role: { from: m.role, to: dto.role } });
      const after = await this.find(s, userId);
      return toMemberResponse(after, after);
    });
  }

  async remove(actor: Actor, workspaceId: string, userId: string, ifMatch?: number): Promise<void> {
    // Anyone may leave a workspace; removing somebody else needs admin.
    const self = actorUserId(actor) === userId;
    await this.uow.write(actor, { workspaceId }, self ? 'viewer' : 'admin', async (s) => {
      const m = await this.find(s, userId);
      if (!self) this.assertMayGrant(s.role, m.role);
      checkIfMatch(m.version, ifMatch);
      if (m.role === 'owner') await this.assertAnotherOwner(s, userId);
      await deleteVersioned(s.em, MembershipEntity, m.id, m.version, ifMatch);
      s.record(MemberEvents.removed, userId, { role: { from: m.role, to: null } });
    });
  }

  private assertMayGrant(actorRole: Role, role: Role): void {
    if (role === 'owner' && actorRole !== 'owner') {
      throw CommonProblems.forbidden('Only owners can grant, change or remove the owner role.');
    }
  }

  /** Locks the workspace's owner rows, then requires an owner other than `userId`. */
  private async assertAnotherOwner(s: WorkspaceScope, userId: string): Promise<void> {
    const owners = await s.query<{ user_id: string }>(
      `SELECT user_id FROM memberships WHERE workspace_id = $1 AND role = 'owner' ORDER BY id FOR UPDATE`,
      [s.workspaceId],
    );
    if (!owners.some((o) => o.user_id !== userId)) throw IdentityProblems.lastOwner();
  }

  private async find(s: WorkspaceScope, userId: string): Promise<MemberRow> {
    const [m] = await s.query<MemberRow>(
      `${MEMBER_SQL} WHERE m.workspace_id = $1 AND m.user_id = $2`,
      [s.workspaceId, userId],
    );
    if (!m) throw CommonProblems.notFound(MEMBER_NOT_FOUND);
    return m;
  }
}
