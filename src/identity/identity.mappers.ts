import type { ApiTokenEntity } from './api-token.entity.js';
import type { ApiTokenResponseDto } from './dto/api-token.dto.js';
import type { UserResponseDto } from './dto/auth.dto.js';
import type { MemberResponseDto, WorkspaceResponseDto } from './dto/workspace.dto.js';
import type { MembershipEntity, Role } from './membership.entity.js';
import type { UserEntity } from './user.entity.js';
import type { WorkspaceEntity } from './workspace.entity.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const toUserResponse = (u: UserEntity): UserResponseDto => ({
  id: u.id,
  email: u.email,
  name: u.name,
  createdAt: u.createdAt.toISOString(),
});

export const toApiTokenResponse = (
  t: Omit<ApiTokenEntity, 'tokenHash' | 'userId' | 'updatedAt'>,
): ApiTokenResponseDto => ({
  id: t.id,
  name: t.name,
  tokenPrefix: t.tokenPrefix,
  scopes: t.scopes,
  createdAt: t.createdAt.toISOString(),
  expiresAt: iso(t.expiresAt),
  lastUsedAt: iso(t.lastUsedAt),
  revokedAt: iso(t.revokedAt),
});

export const toWorkspaceResponse = (
  w: Pick<
    WorkspaceEntity,
    'id' | 'name' | 'searchLanguage' | 'timeZone' | 'version' | 'createdAt' | 'updatedAt'
  >,
  role: Role,
): WorkspaceResponseDto => ({
  id: w.id,
  name: w.name,
  role,
  searchLanguage: w.searchLanguage,
  timeZone: w.timeZone,
  version: w.version,
  createdAt: w.createdAt.toISOString(),
  updatedAt: w.updatedAt.toISOString(),
});

export const toMemberResponse = (
  m: Pick<MembershipEntity, 'userId' | 'role' | 'version' | 'createdAt'>,
  u: Pick<UserEntity, 'email' | 'name'>,
): MemberResponseDto => ({
  userId: m.userId,
  email: u.email,
  name: u.name,
  role: m.role,
  version: m.version,
  createdAt: m.createdAt.toISOString(),
});
