import { randomBytes } from 'node:crypto';
import type { AdminUser, Role } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import { hashPassword } from '../../crypto/passwords.js';
import { uniqueViolation } from '../../db/unique.js';
import { unlessTaken, type Taken } from './taken.js';
import { AppError, notFound } from '../../errors.js';
import type { HubEventBus } from '../../events.js';
import type { AuthUser } from '../../http/context.js';
import { isoTime, newId } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { SessionService } from '../auth/session-service.js';
import { withDefaults } from './preferences.js';
import type { UserRow, UsersRepo } from './repo.js';

/** Runs when a user is deleted, before the row goes: modules hand the user's resources over or remove them. */
export type UserCleanup = (deletedUserId: string, actorId: string) => Promise<void>;

export interface UsersServiceDeps {
  usersRepo: UsersRepo;
  sessions: SessionService;
  events: HubEventBus;
  clock: Clock;
  log: Logger;
  /** The tier new accounts start on (config DEFAULT_TIER). */
  newUserTier: AdminUser['tier'];
}

export function toAdminUser(user: UserRow, tier: AdminUser['tier']): AdminUser {
  return {
    id: user.id, username: user.username, email: user.email, role: user.role,
    email_verified: user.emailVerified, mfa_enabled: user.mfaEnabled, tier,
    created_at: isoTime(user.createdAt), updated_at: isoTime(user.updatedAt),
  };
}

const takenConflict = (value: { username: string; email: string }) => (field: Taken) => field === 'username'
  ? new AppError('CONFLICT', 'Username taken', { details: `'username' ${value.username} is already registered` })
  : new AppError('CONFLICT', 'Email already registered', { details: `'email' ${value.email} is already registered` });

export function createUsersService(deps: UsersServiceDeps) {
  const { usersRepo, clock } = deps;
  const cleanups: UserCleanup[] = [];

  async function byUsername(username: string): Promise<UserRow> {
    const user = await usersRepo.findByUsername(username);
    if (!user) throw notFound('User', username);
    return user;
  }

  async function refuseLosingLastAdmin(user: UserRow): Promise<void> {
    if (user.role === 'admin' && (await usersRepo.countAdmins()) <= 1) {
      throw new AppError('CONFLICT', 'The last admin cannot be removed or demoted', { details: 'Promote another user to admin first' });
    }
  }

  return {
    addCleanup(cleanup: UserCleanup): void {
      cleanups.push(cleanup);
    },

    async list(): Promise<AdminUser[]> {
      return (await usersRepo.listWithTier()).map((u) => toAdminUser(u, u.tier));
    },

    async create(input: { username: string; email: string; password: string; role: Role }): Promise<AdminUser> {
      const taken = takenConflict(input);
      if (await usersRepo.findByUsername(input.username)) throw taken('username');
      if (await usersRepo.findByEmail(input.email)) throw taken('email');
      const now = clock.now();
      const passwordHash = await hashPassword(input.password);
      const user = await unlessTaken(() => usersRepo.insertWithSubscription({
        id: newId('usr'), username: input.username, email: input.email, passwordHash,
        role: input.role, emailVerified: true, createdAt: now, updatedAt: now,
      }, deps.newUserTier), taken);
      return toAdminUser(user, deps.newUserTier);
    },

    async get(username: string) {
      const user = await byUsername(username);
      return { ...toAdminUser(user, await usersRepo.tierOf(user.id)), preferences: withDefaults(await usersRepo.getPreferences(user.id)) };
    },

    async update(username: string, patch: { email?: string; password?: string; role?: Role; email_verified?: boolean }): Promise<AdminUser> {
      const user = await byUsername(username);
      if (patch.role && patch.role !== 'admin') await refuseLosingLastAdmin(user);
      if (patch.email && patch.email !== user.email && (await usersRepo.findByEmail(patch.email))) {
        throw new AppError('CONFLICT', 'Email already registered', { details: `'email' ${patch.email} belongs to another user` });
      }
      const passwordHash = patch.password ? await hashPassword(patch.password) : undefined;
      const updated = await unlessTaken(() => usersRepo.update(user.id, {
        ...(patch.email ? { email: patch.email } : {}),
        ...(patch.role ? { role: patch.role } : {}),
        ...(patch.email_verified !== undefined ? { emailVerified: patch.email_verified } : {}),
        ...(passwordHash ? { passwordHash } : {}),
        updatedAt: clock.now(),
      }), () => new AppError('CONFLICT', 'Email already registered', { details: `'email' ${patch.email} belongs to another user` }));
      // A new password or a changed role must not leave old tokens carrying the old rights.
      if (patch.password || (patch.role && patch.role !== user.role)) await deps.sessions.revokeAll(user.id);
      deps.sessions.forgetUser(user.id);
      if (!updated) throw notFound('User', username);
      deps.events.emit('account.changed', { userId: user.id, what: 'Account updated by an administrator' });
      return toAdminUser(updated, await usersRepo.tierOf(user.id));
    },

    async delete(username: string, actor: AuthUser): Promise<void> {
      const user = await byUsername(username);
      if (user.id === actor.id) throw new AppError('CONFLICT', 'You cannot delete your own account', { details: 'Ask another admin' });
      await refuseLosingLastAdmin(user);
      for (const cleanup of cleanups) await cleanup(user.id, actor.id);
      await usersRepo.delete(user.id);
      deps.sessions.forgetUser(user.id);
      deps.log.info({ userId: user.id, by: actor.id }, 'user deleted');
    },

    /** On first start with no users: an admin, with the configured password or a generated one logged once. */
    async ensureBootstrapAdmin(password: string | undefined): Promise<void> {
      if ((await usersRepo.count()) > 0) return;
      const chosen = password ?? randomBytes(12).toString('base64url');
      const now = clock.now();
      const passwordHash = await hashPassword(chosen);
      try {
        await usersRepo.insertWithSubscription({
          id: newId('usr'), username: 'admin', email: 'admin@prometheus.local', passwordHash,
          role: 'admin', emailVerified: true, createdAt: now, updatedAt: now,
        }, 'enterprise'); // whoever runs the hub is not its customer
      } catch (err) {
        // Replicas starting together on an empty store all find no user: the first insert wins, the others stop.
        if (!uniqueViolation(err)) throw err;
        return void deps.log.info('another replica created the first admin account');
      }
      if (password) deps.log.info({ username: 'admin' }, 'created the first admin account with PROMETHEUS_ADMIN_PASSWORD');
      // The generated password is printed once, on purpose: there is no other way to learn it.
      else deps.log.warn({ username: 'admin', generatedPassword: chosen }, 'created the first admin account; change this password after logging in');
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
