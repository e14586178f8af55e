import { useEffect, useState } from 'preact/hooks';
import type { Preferences } from '@prometheus/protocol';
import { get } from './api/client.js';
import { getSession, onSessionChange, type Session } from './api/session.js';
import { applyTheme } from './theme.js';

export function useSession(): Session | undefined {
  const [session, setSession] = useState(getSession());
  useEffect(() => onSessionChange(setSession), []);
  return session;
}

/** After sign-in the user's saved theme is applied. */
export async function loadPreferredTheme(): Promise<void> {
  const prefs = await get<Preferences>('/api/v1/profile/preferences').catch(() => undefined);
  if (prefs) applyTheme(prefs.theme);
}
