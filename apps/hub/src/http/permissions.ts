import type { Role } from '@prometheus/protocol';

// The one table that decides who may call what. Every route names an action from it;
// viewers read, operators also create, train and deploy, admins also manage users and the system.
// Whose resources a user reaches (their own; admins everyone's) is decided in access.ts.
export const PERMISSIONS = {
  public: null,
  'account:self': ['viewer', 'operator', 'admin'],
  'data:read': ['viewer', 'operator', 'admin'],
  'data:write': ['operator', 'admin'],
  'training:write': ['operator', 'admin'],
  'deploy:write': ['operator', 'admin'],
  'agent:use': ['operator', 'admin'],
  'billing:self': ['viewer', 'operator', 'admin'],
  'system:read': ['viewer', 'operator', 'admin'],
  'users:manage': ['admin'],
  'system:manage': ['admin'],
} as const satisfies Record<string, readonly Role[] | null>;

export type Permission = keyof typeof PERMISSIONS;

export function roleAllows(role: Role, permission: Permission): boolean {
  const roles = PERMISSIONS[permission];
  return roles === null || (roles as readonly Role[]).includes(role);
}
