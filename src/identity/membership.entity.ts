import { Check, Column, Entity, ForeignKey, Index } from 'typeorm';
import { VersionedEntity } from '../database/base.entity.js';

import type { Role } from '../kernel/roles.js';

export { ROLES, roleRank, type Role } from '../kernel/roles.js';

@Entity('memberships')
@Index('ux_memberships_workspace_user', ['workspaceId', 'userId'], { unique: true })
@Index('ix_memberships_user_workspace', ['userId', 'workspaceId'])
@Check('ck_memberships_role', `role IN ('viewer', 'member', 'admin', 'owner')`)
export class MembershipEntity extends VersionedEntity {
  @Column({ name: 'workspace_id', type: 'uuid' })
  @ForeignKey('WorkspaceEntity', { onDelete: 'CASCADE' })
  workspaceId: string;

  @Column({ name: 'user_id', type: 'uuid' })
  @ForeignKey('UserEntity', { onDelete: 'CASCADE' })
  userId: string;

  @Column({ type: 'varchar', length: 16 })
  role: Role;
}
