import type { LoginRequest, SignupRequest, Tier } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import { hashPassword, verifyDecoy, verifyPassword } from '../../crypto/passwords.js';
import { hashToken, newSixDigitCode, newToken, sameHash } from '../../crypto/tokens.js';
import { AppError } from '../../errors.js';
import type { HubEventBus } from '../../events.js';
import type { AuthUser } from '../../http/context.js';
import { createLockout, type LimitStore } from '../../http/rate-limit.js';
import { newId } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { Mailer } from '../../mail/mailer.js';
import { resetMail, securityMail, verificationMail } from '../../mail/templates.js';
import type { UserRow, UsersRepo } from '../users/repo.js';
import { unlessTaken } from '../users/taken.js';
import type { AuthRepo } from './repo.js';
import type { SessionMeta, SessionService } from './session-service.js';

const CODE_TTL_MS = 15 * 60_000;
const RESET_TTL_MS = 30 * 60_000;
const MAX_CODE_ATTEMPTS = 5;
// A stolen session must not become a password oracle: wrong current passwords lock the change per user.
const PASSWORD_GUESSES = { what: 'current passwords', attempts: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 };

export interface AuthServiceDeps {
  authRepo: AuthRepo;
  usersRepo: UsersRepo;
  sessions: SessionService;
  mailer: Mailer;
  events: HubEventBus;
  clock: Clock;
  log: Logger;
  publicUrl: string;
  /** The tier new accounts start on (config DEFAULT_TIER). */
  newUserTier: Tier;
  /** Replicas: wrong-password counts in the shared store, so the lock holds on every replica. */
  limitStore?: LimitStore | undefined;
}

export function createAuthService(deps: AuthServiceDeps) {
  const { authRepo, usersRepo, sessions, mailer, clock, log } = deps;
  const passwordGuesses = createLockout(PASSWORD_GUESSES, deps.limitStore);

  // Mail is sent in the background: the answer must not wait on SMTP, nor reveal by its timing
  // whether an address exists.
  const sendLater = (send: () => Promise<void>) => {
    send().catch((err: unknown) => log.error({ err }, 'sending mail failed'));
  };

  async function sendVerificationCode(user: UserRow): Promise<void> {
    const code = newSixDigitCode();
    const now = clock.now();
    await authRepo.putVerification({ userId: user.id, codeHash: hashToken(`${user.id}:${code}`), expiresAt: new Date(now.getTime() + CODE_TTL_MS), createdAt: now });
    sendLater(() => mailer.send(verificationMail(user.email, user.username, code)));
  }

  return {
    async login(input: LoginRequest, meta: SessionMeta) {
      const user = await usersRepo.findByLogin(input.username);
      const ok = user ? await verifyPassword(user.passwordHash, input.password) : await verifyDecoy(input.password);
      if (!user || !ok) throw new AppError('INVALID_CREDENTIALS', 'Invalid credentials', { details: 'Username or password is wrong' });
      if (!user.emailVerified) {
        throw new AppError('EMAIL_NOT_VERIFIED', 'Email not verified', { details: 'Enter the code sent to your email (POST /api/v1/auth/verify-email)' });
      }
      const mfa = user.mfaEnabled;
      const token = await sessions.issue(user.id, mfa ? 'mfa_pending' : 'session', meta);
      return {
        token,
        user: { id: user.id, username: user.username, email: user.email, role: user.role },
        email_verified: true,
        mfa_required: mfa,
      };
    },

    async logout(user: AuthUser): Promise<void> {
      await sessions.revoke(user.sessionId);
    },

    async signup(input: SignupRequest): Promise<UserRow> {
      // The documented answer to a taken name at signup is 400 (the form's field is wrong), also when a
      // concurrent signup took it between the look-up and the insert.
      const taken = (field: 'username' | 'email') => field === 'username'
        ? new AppError('VALIDATION_ERROR', 'Username taken', { details: `'username' ${input.username} is already registered` })
        : new AppError('VALIDATION_ERROR', 'Email already registered', { details: `'email' is already registered; log in or reset the password` });
      if (await usersRepo.findByUsername(input.username)) throw taken('username');
      if (await usersRepo.findByEmail(input.email)) throw taken('email');
      const now = clock.now();
      const passwordHash = await hashPassword(input.password);
      const user = await unlessTaken(() => usersRepo.insertWithSubscription({
        id: newId('usr'), username: input.username, email: input.email, passwordHash,
        role: 'operator', emailVerified: false, createdAt: now, updatedAt: now,
      }, deps.newUserTier), taken);
      await sendVerificationCode(user);
      return user;
    },

    async verifyEmail(email: string, code: string): Promise<void> {
      const invalid = new AppError('INVALID_CODE', 'Invalid or expired code', { details: 'Codes expire after 15 minutes; ask for a new one with /auth/resend-verification' });
      const user = await usersRepo.findByEmail(email);
      const pending = user && (await authRepo.findVerification(user.id));
      if (!user || !pending || pending.expiresAt <= clock.now() || pending.attempts >= MAX_CODE_ATTEMPTS) throw invalid;
      if (!sameHash(pending.codeHash, hashToken(`${user.id}:${code}`))) {
        await authRepo.setVerificationAttempts(user.id, pending.attempts + 1);
        throw invalid;
      }
      await usersRepo.update(user.id, { emailVerified: true, updatedAt: clock.now() });
      await authRepo.deleteVerification(user.id);
    },

    async resendVerification(email: string): Promise<void> {
      const user = await usersRepo.findByEmail(email);
      if (user && !user.emailVerified) await sendVerificationCode(user);
    },

    async forgotPassword(email: string): Promise<void> {
      const user = await usersRepo.findByEmail(email);
      if (!user) return;
      const token = newToken();
      const now = clock.now();
      await authRepo.insertReset({ tokenHash: hashToken(token), userId: user.id, expiresAt: new Date(now.getTime() + RESET_TTL_MS), createdAt: now });
      sendLater(() => mailer.send(resetMail(user.email, user.username, token, deps.publicUrl)));
    },

    async resetPassword(token: string, newPassword: string): Promise<void> {
      const reset = await authRepo.findReset(hashToken(token));
      const now = clock.now();
      if (!reset || reset.usedAt || reset.expiresAt <= now) {
        throw new AppError('INVALID_TOKEN', 'Invalid or expired token', { details: 'Reset tokens expire after 30 minutes and work once' });
      }
      const user = await usersRepo.update(reset.userId, { passwordHash: await hashPassword(newPassword), updatedAt: now });
      await authRepo.useResets(reset.userId, now);
      await sessions.revokeAll(reset.userId);
      if (user) {
        sendLater(() => mailer.send(securityMail(user.email, user.username, 'Your password was reset')));
        deps.events.emit('security.alert', { userId: user.id, what: 'Password reset' });
      }
    },

    /** Changes the password and revokes every other session of the user; the current one stays. */
    async changePassword(actor: AuthUser, current: string, next: string): Promise<void> {
      await passwordGuesses.check(actor.id);
      const user = await usersRepo.findById(actor.id);
      if (!user || !(await verifyPassword(user.passwordHash, current))) {
        await passwordGuesses.fail(actor.id);
        throw new AppError('INVALID_CURRENT_PASSWORD', 'Current password is incorrect', { details: "'current_password' does not match" });
      }
      await passwordGuesses.clear(actor.id);
      await usersRepo.update(user.id, { passwordHash: await hashPassword(next), updatedAt: clock.now() });
      await sessions.revokeAll(user.id, actor.sessionId);
      sendLater(() => mailer.send(securityMail(user.email, user.username, 'Your password was changed')));
      deps.events.emit('security.alert', { userId: user.id, what: 'Password changed' });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
