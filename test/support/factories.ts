import { randomBytes } from 'node:crypto';
import type { Client } from './http.js';

export const uniqueEmail = (prefix = 'user'): string =>
  `${prefix}-${randomBytes(6).toString('hex')}@example.com`;
export const PASSWORD = 'correct horse battery staple';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export async function registerUser(api: Client, name = 'Test User'): Promise<TestUser> {
  const email = uniqueEmail();
  const res = await api.post('/v1/auth/register', { email, password: PASSWORD, name });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return {
    id: res.body.user.id,
    email,
    password: PASSWORD,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
  };
}

export async function createWorkspace(
  api: Client,
  token: string,
  name = 'Workspace',
): Promise<{ id: string; version: number }> {
  const res = await api.post('/v1/workspaces', { name }, { token });
  if (res.status !== 201) throw new Error(`workspace failed: ${res.status} ${res.text}`);
  return res.body;
}

export async function addMember(
  api: Client,
  token: string,
  workspaceId: string,
  email: string,
  role: string,
): Promise<void> {
  const res = await api.post(`/v1/workspaces/${workspaceId}/members`, { email, role }, { token });
  if (res.status !== 201) throw new Error(`add member failed: ${res.status} ${res.text}`);
}

export interface Team {
  workspaceId: string;
  owner: TestUser;
  admin: TestUser;
  member: TestUser;
  viewer: TestUser;
  /** A user of another workspace, who must see nothing of this one. */
  outsider: TestUser;
}

/** A workspace with one user per role, plus an outsider with a workspace of their own. */
export async function createTeam(api: Client): Promise<Team> {
  const [owner, admin, member, viewer, outsider] = await Promise.all(
    ['Owner', 'Admin', 'Member', 'Viewer', 'Outsider'].map((n) => registerUser(api, n)),
  );
  const ws = await createWorkspace(api, owner.accessToken);
  await addMember(api, owner.accessToken, ws.id, admin.email, 'admin');
  await addMember(api, owner.accessToken, ws.id, member.email, 'member');
  await addMember(api, owner.accessToken, ws.id, viewer.email, 'viewer');
  await createWorkspace(api, outsider.accessToken, 'Elsewhere');
  return { workspaceId: ws.id, owner, admin, member, viewer, outsider };
}
