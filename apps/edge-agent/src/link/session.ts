import mqtt, { type MqttClient } from 'mqtt';
import { TOPIC_ROOT, deviceTopic, type DeviceTopic } from '@prometheus/protocol';
import type { Logger } from '../logger.js';
import { backoffDelay } from './backoff.js';
import type { CommandRouter } from './router.js';

export interface LinkOptions {
  url: string;
  deviceId: string;
  secret: string;
  keepaliveS: number;
  reconnect: { initialMs: number; maxMs: number };
  /** Retained on `status` by the broker when the session dies without DISCONNECT. */
  will: Buffer;
  /** Extra trusted CA for mqtts:// / wss:// (PEM). */
  ca?: Buffer | undefined;
}

export interface LinkEvents {
  connected(): void;
  disconnected(): void;
}

/**
 * The MQTT session to the hub (3.1.1, clean session). Reconnects itself with backoff and jitter; every
 * connect subscribes to the router's leaves and tells the listeners, which resend what is unacknowledged.
 */
export function createLinkSession(opts: LinkOptions, router: CommandRouter, events: LinkEvents, log: Logger) {
  const prefix = `${TOPIC_ROOT}/${opts.deviceId}/`;
  let client: MqttClient | undefined;
  let timer: NodeJS.Timeout | undefined;
  let attempt = 0;
  let stopped = true;
  let up = false;

  function connect(): void {
    timer = undefined;
    const c = mqtt.connect(opts.url, {
      clientId: opts.deviceId, username: opts.deviceId, password: opts.secret, protocolVersion: 4, clean: true,
      keepalive: opts.keepaliveS, reconnectPeriod: 0, connectTimeout: 15_000, queueQoSZero: false,
      // Without this mqtt-packet pre-builds a Buffer for every 16-bit number on the first write: 65,536
      // objects, 3 MB of heap that a controller sending a message every few seconds has no use for.
      writeCache: false,
      ...(opts.ca ? { ca: opts.ca } : {}),
      will: { topic: deviceTopic(opts.deviceId, 'status'), payload: opts.will, qos: 1, retain: true },
    });
    client = c;
    c.on('connect', () => void onConnect(c));
    c.on('message', (topic, payload) => {
      if (topic.startsWith(prefix)) void router.dispatch(topic.slice(prefix.length), payload);
    });
    c.on('error', (err) => log.warn('mqtt error', { err, attempt }));
    c.on('close', () => onClose(c));
  }

  async function onConnect(c: MqttClient): Promise<void> {
    try {
      const leaves = router.leaves();
      if (leaves.length > 0) await c.subscribeAsync(leaves.map((l) => prefix + l), { qos: 1 });
    } catch (err) {
      log.warn('subscribe failed; reconnecting', { err });
      c.end(true);
      return;
    }
    attempt = 0;
    up = true;
    log.info('connected to hub broker', { url: opts.url });
    events.connected();
  }

  function onClose(c: MqttClient): void {
    if (c !== client) return;
    c.removeAllListeners('close');
    c.end(true);
    if (up) {
      up = false;
      events.disconnected();
    }
    if (stopped || timer) return;
    const delay = backoffDelay(attempt, opts.reconnect.initialMs, opts.reconnect.maxMs);
    attempt += 1;
    log.info('reconnecting', { inMs: delay, attempt });
    timer = setTimeout(connect, delay);
  }

  return {
    get connected(): boolean {
      return up && client?.connected === true;
    },
    start(): void {
      stopped = false;
      connect();
    },
    /** Publishes on the device's own subtree; rejects when there is no session. */
    publish(leaf: DeviceTopic, payload: string | Buffer, o: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
      const c = client;
      if (!c || !up) return Promise.reject(new Error('not connected'));
      return c.publishAsync(deviceTopic(opts.deviceId, leaf), payload, { qos: o.qos ?? 1, retain: o.retain ?? false }).then(() => undefined);
    },
    /** Leaves cleanly: a last word on `status` (the will is not sent on DISCONNECT), then DISCONNECT. */
    async stop(lastStatus?: Buffer): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      const c = client;
      if (!c) return;
      if (up && lastStatus) await Promise.race([c.publishAsync(deviceTopic(opts.deviceId, 'status'), lastStatus, { qos: 1, retain: true }), sleep(2000)]).catch(() => undefined);
      await c.endAsync(false).catch(() => undefined);
      up = false;
    },
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export type LinkSession = ReturnType<typeof createLinkSession>;
