import type { Role } from '@prometheus/protocol';

// The bearer token lives in memory and in sessionStorage (this tab only, gone when it closes).
export interface SessionUser {
  id: string;
  username: string;
  role: Role;
}
export interface Session {
  token: string;
  user: SessionUser;
}

const KEY = 'prometheus.session';
let current: Session | undefined = load();
/** Why the user was sent back to the login page; shown there until the next sign-in. */
let reason: string | undefined;
const listeners = new Set<(s: Session | undefined) => void>();

function load(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : undefined;
  } catch {
    return undefined;
  }
}

export function getSession(): Session | undefined {
  return current;
}

export function setSession(next: Session | undefined): void {
  current = next;
  if (next) reason = undefined;
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
  for (const fn of listeners) fn(next);
}

export function onSessionChange(fn: (s: Session | undefined) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function endSession(why?: string): void {
  reason = why;
  setSession(undefined);
}
export function logoutReason(): string | undefined {
  return reason;
}
