import type { Clock } from '../../clock.js';
import type { ClusterBus } from '../../cluster/cluster.js';
import { hashToken, newToken } from '../../crypto/tokens.js';
import { AppError } from '../../errors.js';
import type { AuthUser } from '../../http/context.js';
import { newId } from '../../ids.js';
import type { UsersRepo } from '../users/repo.js';
import type { AuthRepo, SessionRow } from './repo.js';

export interface SessionMeta {
  ip?: string | undefined;
  userAgent?: string | undefined;
}

export interface SessionServiceDeps {
  authRepo: AuthRepo;
  usersRepo: UsersRepo;
  clock: Clock;
  sessionTtlMs: number;
  mfaLoginTtlMs: number;
  /** Replicas: a revoke on one drops the cached token on every other at once (else within CACHE_MS). */
  bus?: ClusterBus;
}

type Forget = { sessionId: string } | { userId: string };

const invalidToken = () => new AppError('UNAUTHORIZED', 'Invalid or expired token', { details: 'Log in again to get a new token' });

/**
 * Resolved tokens are remembered this long, so a burst of requests costs one lookup. Every change that could
 * refuse a token or change what it carries goes through this service (revoke, revokeAll, forgetUser), which
 * drops the entries at once: the cache never serves a revoked token or an old role.
 */
const CACHE_MS = 5_000;
const CACHE_MAX = 10_000;

interface CachedSession {
  user: AuthUser;
  /** Epoch ms: the session's own expiry and the end of the cache entry. */
  expiresAt: number;
  until: number;
}

export function createSessionService(deps: SessionServiceDeps) {
  const { authRepo, clock } = deps;
  const cache = new Map<string, CachedSession>();
  // Bumped by every forget: a lookup that began before a revoke does not cache what it read.
  let generation = 0;
  const forgetHere = (what: Forget) => {
    generation += 1;
    const drop = 'sessionId' in what ? (u: AuthUser) => u.sessionId === what.sessionId : (u: AuthUser) => u.id === what.userId;
    for (const [hash, entry] of cache) if (drop(entry.user)) cache.delete(hash);
  };
  const forget = (what: Forget) => {
    forgetHere(what);
    deps.bus?.publish('sessions.forget', what);
  };
  deps.bus?.subscribe('sessions.forget', (m) => forgetHere(m as Forget));

  return {
    /** Issues a token; only its SHA-256 is stored. */
    async issue(userId: string, kind: SessionRow['kind'], meta: SessionMeta = {}): Promise<string> {
      const token = newToken();
      const now = clock.now();
      const ttl = kind === 'session' ? deps.sessionTtlMs : deps.mfaLoginTtlMs;
      await authRepo.insertSession({
        id: newId('ses'), tokenHash: hashToken(token), userId, kind, createdAt: now,
        expiresAt: new Date(now.getTime() + ttl), ip: meta.ip ?? null, userAgent: meta.userAgent?.slice(0, 256) ?? null,
      });
      return token;
    },

    /** Resolves a bearer token to its user; MFA-pending, revoked and expired tokens are refused. */
    async authenticate(token: string): Promise<AuthUser> {
      const hash = hashToken(token);
      const now = clock.now().getTime();
      const hit = cache.get(hash);
      if (hit && hit.until > now && hit.expiresAt > now) return hit.user;
      cache.delete(hash);
      const asOf = generation;
      const found = await authRepo.findSessionWithUser(hash);
      if (!found || found.session.revokedAt || found.session.expiresAt.getTime() <= now) throw invalidToken();
      if (found.session.kind !== 'session') {
        throw new AppError('MFA_REQUIRED', 'MFA validation required', { details: 'POST /api/v1/auth/mfa/validate with a TOTP code first' });
      }
      const user: AuthUser = Object.freeze({ ...found.user, sessionId: found.session.id });
      // Oldest first out when full (a Map keeps insertion order).
      if (asOf !== generation) return user;
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
      cache.set(hash, { user, expiresAt: found.session.expiresAt.getTime(), until: now + CACHE_MS });
      return user;
    },

    async findPending(token: string): Promise<SessionRow | undefined> {
      const session = await authRepo.findSessionByHash(hashToken(token));
      const live = session && !session.revokedAt && session.expiresAt > clock.now();
      return live && session.kind === 'mfa_pending' ? session : undefined;
    },

    async revoke(sessionId: string): Promise<void> {
      await authRepo.revokeSession(sessionId, clock.now());
      forget({ sessionId });
    },
    async revokeAll(userId: string, exceptSessionId?: string): Promise<number> {
      const revoked = await authRepo.revokeUserSessions(userId, clock.now(), exceptSessionId);
      forget({ userId });
      return revoked;
    },
    /** A user's row changed (role, email) or is going: their tokens are looked up afresh. */
    forgetUser(userId: string): void {
      forget({ userId });
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
