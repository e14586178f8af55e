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
const REASON_KEY = 'prometheus.session-ended';
/** Why the user was sent back to the login page; shown there until the next sign-in (also after a reload). */
let reason: string | undefined = readReason();
const listeners = new Set<(s: Session | undefined) => void>();

function readReason(): string | undefined {
  try {
    return sessionStorage.getItem(REASON_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

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
  if (next) {
    reason = undefined;
    sessionStorage.removeItem(REASON_KEY);
  }
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
  if (why) sessionStorage.setItem(REASON_KEY, why);
  else sessionStorage.removeItem(REASON_KEY);
  setSession(undefined);
}
export function logoutReason(): string | undefined {
  return reason;
}
