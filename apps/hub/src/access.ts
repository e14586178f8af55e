import type { Role } from '@prometheus/protocol';
import { notFound } from './errors.js';

// Who may see which resource, in one place. Routes decide what a role may do (http/permissions.ts); this
// decides whose resources: admins see every user's, others only their own. Another user's resource answers
// 404 exactly as a missing one does, so ids cannot be probed for existence (403 would confirm them).

/** The authenticated user a service acts for. */
export interface Actor {
  id: string;
  role: Role;
}

/** Admins see every resource; others only their own. */
export function canSeeAll(role: Role): boolean {
  return role === 'admin';
}

/** The owner a list query is limited to: undefined (every owner) for admins, else the actor's id. */
export function visibleTo(actor: Actor): string | undefined {
  return canSeeAll(actor.role) ? undefined : actor.id;
}

/** The row when the actor may see it; 404 (`<what> not found`) when it is absent or another user's. */
export function ownedOr404<T extends { ownerId: string }>(actor: Actor, row: T | null | undefined, what: string, id: string): T {
  if (!row || (!canSeeAll(actor.role) && row.ownerId !== actor.id)) throw notFound(what, id);
  return row;
}
