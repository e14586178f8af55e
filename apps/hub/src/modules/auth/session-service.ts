import type { Clock } from '../../clock.js';
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
}

const invalidToken = () => new AppError('UNAUTHORIZED', 'Invalid or expired token', { details: 'Log in again to get a new token' });

export function createSessionService(deps: SessionServiceDeps) {
  const { authRepo, usersRepo, clock } = deps;

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
      const session = await authRepo.findSessionByHash(hashToken(token));
      if (!session || session.revokedAt || session.expiresAt <= clock.now()) throw invalidToken();
      if (session.kind !== 'session') {
        throw new AppError('MFA_REQUIRED', 'MFA validation required', { details: 'POST /api/v1/auth/mfa/validate with a TOTP code first' });
      }
      const user = await usersRepo.findById(session.userId);
      if (!user) throw invalidToken();
      return { id: user.id, username: user.username, email: user.email, role: user.role, sessionId: session.id };
    },

    async findPending(token: string): Promise<SessionRow | undefined> {
      const session = await authRepo.findSessionByHash(hashToken(token));
      const live = session && !session.revokedAt && session.expiresAt > clock.now();
      return live && session.kind === 'mfa_pending' ? session : undefined;
    },

    revoke: (sessionId: string) => authRepo.revokeSession(sessionId, clock.now()),
    revokeAll: (userId: string, exceptSessionId?: string) => authRepo.revokeUserSessions(userId, clock.now(), exceptSessionId),
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
