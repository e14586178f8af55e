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
  if (next) sessionStorage.setItem(KEY, JSON.stringify(next));
  else sessionStorage.removeItem(KEY);
  for (const fn of listeners) fn(next);
}

export function onSessionChange(fn: (s: Session | undefined) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Why the user was sent back to the login page (shown there once). */
let logoutReason: string | undefined;
export function endSession(reason?: string): void {
  logoutReason = reason;
  setSession(undefined);
}
export function takeLogoutReason(): string | undefined {
  const r = logoutReason;
  logoutReason = undefined;
  return r;
}
