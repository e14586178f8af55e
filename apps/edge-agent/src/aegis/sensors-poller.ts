import { httpRequest } from '../http-client.js';
import type { Logger } from '../logger.js';
import type { Outbox } from '../outbox/outbox.js';
import { SourceError } from './aegis-reader.js';
import { toReading } from './to-reading.js';

/**
 * Polls a hardware daemon's `/sensors` snapshot (older deployments, aegis-db-api.md): one reading per poll.
 * Body: `{"timestamp": "<ISO 8601>", "sensors": {"<point>": number | null}}`; a repeated timestamp is not taken twice.
 */
export function createSensorsPoller(opts: { url: string; timeoutMs: number }, outbox: Outbox, log: Logger) {
  const KEY = 'sensors.last_ts';
  return {
    name: 'sensors',
    async poll(): Promise<number> {
      const res = await httpRequest(opts.url, { timeoutMs: opts.timeoutMs });
      if (!res.ok) throw new SourceError(`hardware daemon answered ${res.status}`);
      const body = (await res.json()) as { timestamp?: unknown; sensors?: Record<string, unknown> };
      const reading = toReading({ ...(body.sensors ?? {}), timestamp: body.timestamp ?? Date.now() });
      if (!reading) {
        log.warn('sensor snapshot without a usable timestamp', { url: opts.url });
        return 0;
      }
      if (String(reading.ts) === outbox.meta(KEY)) return 0;
      outbox.append([reading], { key: KEY, value: String(reading.ts) });
      return 1;
    },
  };
}
