import type { Clock } from '../../clock.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import { AppError } from '../../errors.js';
import type { HubEventBus } from '../../events.js';
import type { AuthUser } from '../../http/context.js';
import type { AuthRepo } from '../auth/repo.js';
import type { SessionMeta, SessionService } from '../auth/session-service.js';
import type { UserRow, UsersRepo } from '../users/repo.js';
import { checkTotp, newTotpSecret, provisioningUri, qrCodeDataUrl } from './totp.js';

const MAX_VALIDATE_ATTEMPTS = 5;

export interface MfaServiceDeps {
  usersRepo: UsersRepo;
  authRepo: AuthRepo;
  sessions: SessionService;
  secretBox: SecretBox;
  events: HubEventBus;
  clock: Clock;
}

const invalidCode = () => new AppError('INVALID_CODE', 'Invalid code', { details: 'The code is wrong, expired or already used; wait for the next one' });

export function createMfaService(deps: MfaServiceDeps) {
  const { usersRepo, secretBox, clock } = deps;

  async function loadUser(id: string): Promise<UserRow> {
    const user = await usersRepo.findById(id);
    if (!user) throw new AppError('UNAUTHORIZED', 'Invalid or expired token');
    return user;
  }

  /** Checks a code against a sealed secret and records the step so it cannot be used again. */
  async function accept(user: UserRow, sealed: string | null, code: string): Promise<boolean> {
    if (!sealed) return false;
    const step = await checkTotp(secretBox.open(sealed), code, clock.now(), user.mfaLastStep);
    if (step === undefined) return false;
    await usersRepo.update(user.id, { mfaLastStep: step });
    return true;
  }

  return {
    async setup(actor: AuthUser) {
      const user = await loadUser(actor.id);
      if (user.mfaEnabled) throw new AppError('CONFLICT', 'MFA is already enabled', { details: 'Disable it first to enrol a new authenticator' });
      const secret = newTotpSecret();
      await usersRepo.update(user.id, { mfaPendingSecret: secretBox.seal(secret), updatedAt: clock.now() });
      const uri = provisioningUri(secret, user.email);
      return { secret, provisioning_uri: uri, qr_code: await qrCodeDataUrl(uri) };
    },

    async enable(actor: AuthUser, code: string): Promise<void> {
      const user = await loadUser(actor.id);
      if (user.mfaEnabled) throw new AppError('CONFLICT', 'MFA is already enabled');
      if (!user.mfaPendingSecret) throw new AppError('BAD_REQUEST', 'MFA setup not started', { details: 'POST /api/v1/mfa/setup first' });
      if (!(await accept(user, user.mfaPendingSecret, code))) throw invalidCode();
      await usersRepo.update(user.id, { mfaEnabled: true, mfaSecret: user.mfaPendingSecret, mfaPendingSecret: null, updatedAt: clock.now() });
      deps.events.emit('security.alert', { userId: user.id, what: 'Two-factor authentication enabled' });
    },

    async disable(actor: AuthUser, code: string): Promise<void> {
      const user = await loadUser(actor.id);
      if (!user.mfaEnabled) throw new AppError('BAD_REQUEST', 'MFA is not enabled');
      if (!(await accept(user, user.mfaSecret, code))) throw invalidCode();
      await usersRepo.update(user.id, { mfaEnabled: false, mfaSecret: null, mfaPendingSecret: null, updatedAt: clock.now() });
      deps.events.emit('security.alert', { userId: user.id, what: 'Two-factor authentication disabled' });
    },

    /**
     * Second login step: exchanges a live MFA-pending login (the bearer token from /auth/login when sent,
     * else the user's newest one) and a TOTP code for a session token. Five wrong codes end the pending login.
     */
    async validateLogin(username: string, code: string, pendingToken: string | undefined, meta: SessionMeta): Promise<string> {
      const noPending = new AppError('UNAUTHORIZED', 'No pending MFA login', { details: 'Log in with username and password first' });
      const user = await usersRepo.findByLogin(username);
      if (!user || !user.mfaEnabled) throw noPending;
      const pending = pendingToken ? await deps.sessions.findPending(pendingToken) : await deps.authRepo.latestPendingMfa(user.id, clock.now());
      if (!pending || pending.userId !== user.id) throw noPending;
      if (!(await accept(user, user.mfaSecret, code))) {
        const attempts = pending.failedAttempts + 1;
        await deps.authRepo.countFailedAttempt(pending.id, attempts);
        if (attempts >= MAX_VALIDATE_ATTEMPTS) await deps.sessions.revoke(pending.id);
        throw invalidCode();
      }
      await deps.sessions.revoke(pending.id);
      return deps.sessions.issue(user.id, 'session', meta);
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;
