import type { Client } from 'aedes';
import type { DeviceStatus } from '@prometheus/protocol';
import type { Logger } from '../logger.js';
import type { TargetsService } from '../modules/fleet/targets-service.js';

/**
 * Which devices hold a session now. A device that reconnects takes over its client id, and the
 * old session's disconnect arrives after the new one is ready: only the current client counts.
 */
export function createPresence(deps: { targets: TargetsService; log: Logger }) {
  const sessions = new Map<string, Client>();
  const writes = new Set<Promise<void>>();

  const track = (p: Promise<void>) => {
    const w = p.catch((err: unknown) => deps.log.error({ err }, 'presence update failed')).finally(() => writes.delete(w));
    writes.add(w);
  };

  return {
    connected(deviceId: string, client: Client): void {
      sessions.set(deviceId, client);
      track(deps.targets.setOnline(deviceId, true));
    },
    disconnected(deviceId: string, client: Client): void {
      if (sessions.get(deviceId) !== client) return;
      sessions.delete(deviceId);
      track(deps.targets.setOnline(deviceId, false));
    },
    /** A status message, or the last will saying offline. */
    status(deviceId: string, client: Client | null, status: DeviceStatus): void {
      track(deps.targets.recordStatus(deviceId, status));
      if (status.state !== 'offline') return;
      // A will from an old session while a newer one is up must not mark the device offline.
      const current = sessions.get(deviceId);
      if (!current || current === client) track(deps.targets.setOnline(deviceId, false));
    },
    isOnline: (deviceId: string) => sessions.has(deviceId),
    disconnect(deviceId: string): void {
      sessions.get(deviceId)?.close();
    },
    async settle(): Promise<void> {
      await Promise.all([...writes]);
    },
  };
}
