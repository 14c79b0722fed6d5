export const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

/** Higher rank includes every right of the lower ones. */
export const roleRank = (role: Role): number => ROLES.indexOf(role);

/** True when `role` includes every right of `least`. */
export const hasRole = (role: Role, least: Role): boolean => roleRank(role) >= roleRank(least);
