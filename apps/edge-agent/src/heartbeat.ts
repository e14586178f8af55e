import type { DeviceStatus } from '@prometheus/protocol';
import type { LinkSession } from './link/session.js';
import type { Outbox } from './outbox/outbox.js';
import { AGENT_VERSION } from './version.js';

/** The retained `status` message: what the hub shows for the target, sent on connect and every heartbeat. */
export function statusMessage(state: DeviceStatus['state'], outbox: Outbox | undefined, startedAt: number, extra: Partial<DeviceStatus> = {}): Buffer {
  const s = outbox?.stats();
  const status: DeviceStatus = {
    v: 1, state, version: AGENT_VERSION, arch: process.arch, uptime_s: Math.round((Date.now() - startedAt) / 1000),
    ...(s ? { outbox_depth: s.depth, outbox_bytes: s.bytes, dropped_total: s.droppedTotal } : {}), ...extra, at: Date.now(),
  };
  return Buffer.from(JSON.stringify(status));
}

export function createHeartbeat(everyMs: number, link: LinkSession, outbox: Outbox, startedAt: number, extra: () => Partial<DeviceStatus> = () => ({})) {
  let timer: NodeJS.Timeout | undefined;
  const beat = () => {
    if (link.connected) void link.publish('status', statusMessage('online', outbox, startedAt, extra()), { qos: 1, retain: true }).catch(() => undefined);
  };
  return {
    name: 'heartbeat',
    beat,
    start(): void {
      timer = setInterval(beat, everyMs);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
    },
  };
}
