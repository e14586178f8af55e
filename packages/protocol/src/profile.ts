import { z } from 'zod';
import { IsoTime, Role, Tier } from './common.js';

export const Theme = z.enum(['nexusedge-dark', 'nexusedge-light']);
export const Architecture = z.enum(['lstm_autoencoder', 'gru_predictor', 'sentinel']);
export type Architecture = z.infer<typeof Architecture>;

export const Preferences = z.object({
  theme: Theme,
  notifications_enabled: z.boolean(),
  email_notifications: z.boolean(),
  training_auto_stop: z.boolean(),
  default_architecture: Architecture,
  timezone: z.string(),
});
export type Preferences = z.infer<typeof Preferences>;

/** PUT body: any subset of the preferences; unknown keys are refused so typos are not silently dropped. */
export const PreferencesUpdate = Preferences.extend({
  timezone: z.string().trim().min(1).max(64).refine(isTimeZone, 'must be an IANA time zone such as America/New_York'),
}).partial().strict();

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const ProfileResponse = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  role: Role,
  email_verified: z.boolean(),
  mfa_enabled: z.boolean(),
  tier: Tier,
  created_at: IsoTime,
});
