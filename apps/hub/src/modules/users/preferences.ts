import { Preferences } from '@prometheus/protocol';

export const DEFAULT_PREFERENCES: Preferences = {
  theme: 'nexusedge-dark',
  notifications_enabled: true,
  email_notifications: true,
  training_auto_stop: false,
  default_architecture: 'lstm_autoencoder',
  timezone: 'UTC',
};

/** Stored preferences over the defaults; a stored value that no longer parses falls back to its default. */
export function withDefaults(stored: Record<string, unknown> | undefined): Preferences {
  const merged = { ...DEFAULT_PREFERENCES, ...(stored ?? {}) };
  const parsed = Preferences.safeParse(merged);
  if (parsed.success) return parsed.data;
  const clean: Record<string, unknown> = { ...DEFAULT_PREFERENCES };
  for (const key of Object.keys(DEFAULT_PREFERENCES) as (keyof Preferences)[]) {
    if (Preferences.shape[key].safeParse(merged[key]).success) clean[key] = merged[key];
  }
  return clean as Preferences;
}
