import { Expo } from 'expo-server-sdk';
import { Agent } from 'undici';
import type { PushSettings } from '../../config.js';

/** Expo's own service; the SDK has no base-URL option, so another origin is reached by rewriting it per request. */
export const EXPO_ORIGIN = 'https://exp.host';

export function createExpoClient(settings: PushSettings): Expo {
  const elsewhere = settings.expoUrl !== EXPO_ORIGIN;
  const dispatcher = elsewhere
    ? new Agent().compose((dispatch) => (opts, handler) => dispatch({ ...opts, origin: settings.expoUrl }, handler))
    : undefined;
  return new Expo({
    ...(settings.accessToken ? { accessToken: settings.accessToken } : {}),
    ...(dispatcher ? { httpAgent: dispatcher } : {}),
  });
}
