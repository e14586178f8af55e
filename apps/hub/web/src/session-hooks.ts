import { useEffect, useState } from 'preact/hooks';
import type { Preferences } from '@prometheus/protocol';
import { get } from './api/client.js';
import { getSession, onSessionChange, type Session } from './api/session.js';
import { applyTheme } from './theme.js';
import { setDisplayTimeZone } from './ui/format.js';

export function useSession(): Session | undefined {
  const [session, setSession] = useState(getSession());
  useEffect(() => onSessionChange(setSession), []);
  return session;
}

/** After sign-in the user's saved theme and time zone are applied. */
export async function loadPreferences(): Promise<void> {
  const prefs = await get<Preferences>('/api/v1/profile/preferences').catch(() => undefined);
  if (!prefs) return;
  applyTheme(prefs.theme);
  setDisplayTimeZone(prefs.timezone);
}
