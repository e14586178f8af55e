import type { Preferences } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import { isoTime } from '../../ids.js';
import { withDefaults } from '../users/preferences.js';
import type { UsersRepo } from '../users/repo.js';

export function createProfileService(deps: { usersRepo: UsersRepo; clock: Clock }) {
  const { usersRepo } = deps;
  return {
    async get(userId: string) {
      const user = await usersRepo.findById(userId);
      if (!user) throw new AppError('UNAUTHORIZED', 'Invalid or expired token');
      return {
        id: user.id, username: user.username, email: user.email, role: user.role, email_verified: user.emailVerified,
        mfa_enabled: user.mfaEnabled, tier: await usersRepo.tierOf(user.id), created_at: isoTime(user.createdAt),
      };
    },
    async preferences(userId: string): Promise<Preferences> {
      return withDefaults(await usersRepo.getPreferences(userId));
    },
    async updatePreferences(userId: string, patch: Partial<Preferences>): Promise<Preferences> {
      const next = { ...withDefaults(await usersRepo.getPreferences(userId)), ...patch };
      await usersRepo.putPreferences(userId, next, deps.clock.now());
      return next;
    },
  };
}

export type ProfileService = ReturnType<typeof createProfileService>;
