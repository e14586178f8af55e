import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { DeviceId, DeviceStatus, TOPIC_ROOT, deviceTopic, parseDeviceTopic, parseMessage, type DeviceTopic } from '@prometheus/protocol';
import type { ExternalBrokerSettings } from '../config.js';
import type { Logger } from '../logger.js';
import type { TargetsService } from '../modules/fleet/targets-service.js';
import type { DeviceLink, DeviceMessageHandler } from './device-link.js';
import { createBrokerApi } from './broker-api.js';
import { HUB_ROLE, createDynsecAdmin, type DynsecAdmin } from './dynsec.js';
import { createOrderedAcks } from './ordered-acks.js';

export interface ExternalLinkDeps {
  settings: ExternalBrokerSettings;
  targets: TargetsService;
  log: Logger;
  /** Device leaves copied to this process's console broker (MQTT over WebSocket), whichever replica stored them. */
  relay?: { leaves: string[]; publish(topic: string, payload: Buffer, retain: boolean): void } | undefined;
}

const CONNECT_TIMEOUT_MS = 10_000;
// Unacknowledged messages the broker may have in flight to the consumer: how many are handled at once (devices
// side by side), and what a PUBACK may wait behind. Asked, not enforced by Mosquitto 2.0.11 (bench/README.md).
const CONSUMER_RECEIVE_MAXIMUM = 50;

/**
 * The hub as a client of an external broker (MQTT_URL). Two connections: `in` consumes device messages through
 * a shared subscription (`$share/<group>/...`: each message goes to one replica of the group) and acknowledges
 * each only after its handlers stored it, devices side by side and each device's messages in order on this
 * replica (ordered-acks.ts); `ctl` publishes to devices, administers the dynamic-security plugin and follows every device's
 * retained `status` for presence, so a slow store never delays an ack or a revocation.
 */
export function createExternalLink(deps: ExternalLinkDeps): DeviceLink & { connected(): boolean } {
  const { settings, targets, log } = deps;
  const routes = new Map<string, { handle: DeviceMessageHandler; beforeAck: boolean }[]>();
  /** `everyReplica` routes: read on `ctl` without sharing, one message at a time so a device's reports stay in order. */
  const everyRoutes = new Map<string, DeviceMessageHandler[]>();
  let everyQueue: Promise<void> = Promise.resolve();
  const online = new Map<string, boolean>();
  const replicaTag = randomBytes(4).toString('hex');
  let ctl: MqttClient | undefined;
  let consumer: MqttClient | undefined;
  let dynsec: DynsecAdmin | undefined;
  const brokerApi = settings.brokerApi ? createBrokerApi(settings.brokerApi, log) : undefined;

  const route = (leaf: string, handle: DeviceMessageHandler, beforeAck: boolean) =>
    routes.set(leaf, [...(routes.get(leaf) ?? []), { handle, beforeAck }]);

  // The store's view of presence, written by the one replica that receives each status message.
  route('status', async (deviceId, payload) => {
    const status = parseMessage(DeviceStatus, payload);
    if (!status) return;
    await targets.recordStatus(deviceId, status);
    await targets.setOnline(deviceId, status.state === 'online');
  }, true);

  async function handle(topic: string, payload: Buffer): Promise<void> {
    const t = parseDeviceTopic(topic);
    if (!t || !DeviceId.safeParse(t.deviceId).success) return;
    const rows = routes.get(t.leaf) ?? [];
    for (const r of rows) if (r.beforeAck) await r.handle(t.deviceId, payload);
    for (const r of rows) {
      if (r.beforeAck) continue;
      Promise.resolve(r.handle(t.deviceId, payload))
        .catch((err: unknown) => log.error({ err, deviceId: t.deviceId, leaf: t.leaf }, 'device message handler failed'));
    }
  }

  function connect(role: 'ctl' | 'in' | 'setup', extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
    const client = mqtt.connect(settings.url, {
      protocolVersion: 5, clientId: `${settings.shareGroup}-${replicaTag}-${role}`, clean: true,
      username: settings.username, password: settings.password, reconnectPeriod: 1000, connectTimeout: CONNECT_TIMEOUT_MS, ...extra,
    });
    client.on('error', (err) => log.warn({ err: err.message, role }, 'external broker connection error'));
    // The setup connection is dropped by Mosquitto once it grants the hub its role, by design: no warning for it.
    if (role !== 'setup') client.on('offline', () => log.warn({ role, url: settings.url }, 'external broker unreachable; reconnecting'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        client.end(true);
        reject(new Error(`MQTT_URL ${settings.url}: no CONNACK within ${CONNECT_TIMEOUT_MS} ms`));
      }, CONNECT_TIMEOUT_MS);
      // A refused CONNECT (bad credentials) will not get better by retrying: fail the start. Only the first
      // connection: later errors (the broker restarting) are for mqtt.js to reconnect through.
      const refused = (err: Error) => {
        clearTimeout(timer);
        client.end(true);
        reject(new Error(`MQTT_URL ${settings.url}: ${err.message}`));
      };
      client.once('error', refused);
      client.once('connect', () => {
        clearTimeout(timer);
        client.off('error', refused);
        resolve(client);
      });
    });
  }

  /** Once per broker: the hub's role, granted on a throwaway connection (Mosquitto drops it when roles change). */
  async function ensureHubRole(): Promise<void> {
    const setup = await connect('setup');
    try {
      const admin = createDynsecAdmin(setup, log);
      await setup.subscribeAsync(admin.responseTopic, { qos: 1 });
      if (!(await admin.hubRoleHeld(settings.username))) {
        log.info({ role: HUB_ROLE, username: settings.username }, 'granting the hub its role on the broker');
        await admin.grantHubRole(settings.username);
      }
      admin.close();
    } finally {
      setup.end(true);
    }
  }

  async function startControl(): Promise<MqttClient> {
    const c = await connect('ctl');
    c.on('message', (topic, payload, packet) => {
      const t = parseDeviceTopic(topic);
      if (!t) return;
      if (t.leaf === 'status') {
        const status = payload.length > 0 ? parseMessage(DeviceStatus, payload) : undefined;
        if (status) online.set(t.deviceId, status.state === 'online');
        else online.delete(t.deviceId);
      }
      if (deps.relay?.leaves.includes(t.leaf)) deps.relay.publish(topic, payload, packet.retain);
      const every = everyRoutes.get(t.leaf);
      if (every && DeviceId.safeParse(t.deviceId).success) {
        everyQueue = everyQueue.then(async () => {
          for (const h of every) {
            await Promise.resolve(h(t.deviceId, payload))
              .catch((err: unknown) => log.error({ err, deviceId: t.deviceId, leaf: t.leaf }, 'device message handler failed'));
          }
        });
      }
    });
    const leaves = new Set(['status', ...(deps.relay?.leaves ?? []), ...everyRoutes.keys()]);
    const follow = [...leaves].map((l) => `${TOPIC_ROOT}/+/${l}`);
    if (settings.deviceAuth === 'dynsec') {
      dynsec = createDynsecAdmin(c, log);
      await c.subscribeAsync(dynsec.responseTopic, { qos: 1 });
      if (!(await dynsec.hubRoleHeld(settings.username))) {
        throw new Error(`MQTT_URL: the user ${settings.username} did not get the ${HUB_ROLE} role on the broker`);
      }
    }
    const granted = await c.subscribeAsync(Object.fromEntries(follow.map((topic) => [topic, { qos: 1 as const }])));
    const refused = granted.filter((g) => g.qos >= 0x80);
    if (refused.length > 0) throw new Error(`external broker refused the hub's subscriptions: ${refused.map((g) => g.topic).join(', ')} (the hub's user needs read access to ${TOPIC_ROOT}/#)`);
    return c;
  }

  async function startConsumer(): Promise<MqttClient> {
    // A persistent session: when the connection is cut (a keepalive timeout, the network), the broker keeps the
    // messages it had in flight and those that arrive meanwhile, and redelivers them at the reconnect.
    const persistent = settings.sessionExpiryS > 0;
    // Devices side by side, each device's messages in order, every PUBACK after its commit (ordered-acks.ts).
    const acks = createOrderedAcks(handle, (topic) => parseDeviceTopic(topic)?.deviceId ?? topic,
      (err, topic) => log.warn({ err, topic }, 'device message not stored; refused to the broker (the agent resends)'));
    const c = await connect('in', {
      clientId: `${settings.shareGroup}-${settings.stableId ?? replicaTag}-in`, clean: !persistent,
      properties: { receiveMaximum: CONSUMER_RECEIVE_MAXIMUM, ...(persistent ? { sessionExpiryInterval: settings.sessionExpiryS } : {}) },
      customHandleAcks: acks.customHandleAcks,
    });
    acks.attach(c);
    c.on('connect', (connack) => {
      if (connack.sessionPresent) log.info({ role: 'in' }, 'external broker session resumed; unacknowledged messages are redelivered');
    });
    const shared = [...routes.keys()].map((leaf) => `$share/${settings.shareGroup}/${TOPIC_ROOT}/+/${leaf}`);
    const granted = await c.subscribeAsync(Object.fromEntries(shared.map((topic) => [topic, { qos: 1 as const }])));
    const refused = granted.filter((g) => g.qos >= 0x80);
    if (refused.length > 0) throw new Error(`external broker refused the shared subscriptions: ${refused.map((g) => g.topic).join(', ')}`);
    return c;
  }

  return {
    name: 'mqtt-external',
    kind: 'external',
    onDeviceMessage(leaf, handler, opts = {}) {
      if (consumer) throw new Error('device routes are added before the link starts');
      if (opts.everyReplica) everyRoutes.set(leaf, [...(everyRoutes.get(leaf) ?? []), handler]);
      else route(leaf, handler, opts.beforeAck ?? false);
    },
    async publishToDevice(deviceId: string, leaf: DeviceTopic, payload: unknown, opts: { qos?: 0 | 1; retain?: boolean } = {}) {
      if (!ctl) throw new Error('external broker link not started');
      const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
      await ctl.publishAsync(deviceTopic(deviceId, leaf), body, { qos: opts.qos ?? 1, retain: opts.retain ?? false });
    },
    async provisionDevice(deviceId, secret) {
      await dynsec?.provisionDevice(deviceId, secret);
    },
    async revokeDevice(deviceId) {
      // With HTTP auth hooks the broker asks the hub at the next CONNECT or publish (docs/deploy.md); its
      // management API, when configured, closes the open session at once.
      await dynsec?.revokeDevice(deviceId);
      await brokerApi?.disconnectClient(deviceId);
      // Mosquitto drops the session without publishing the will: the retained `online` would outlive it.
      await ctl?.publishAsync(deviceTopic(deviceId, 'status'), Buffer.alloc(0), { qos: 1, retain: true });
      online.delete(deviceId);
    },
    isOnline: (deviceId) => online.get(deviceId) === true,
    connected: () => Boolean(ctl?.connected && consumer?.connected),

    async start() {
      if (settings.deviceAuth === 'dynsec') await ensureHubRole();
      ctl = await startControl();
      consumer = await startConsumer();
      log.info({ url: settings.url, group: settings.shareGroup, deviceAuth: settings.deviceAuth }, 'using the external MQTT broker');
    },
    async stop() {
      dynsec?.close();
      // Without a stable id no later process resumes this session: end it now, or the broker would keep routing
      // this replica's share of messages to it until it expires (the agents resend what was not acknowledged).
      const ending = settings.stableId ? undefined : { properties: { sessionExpiryInterval: 0 } };
      await Promise.all([consumer?.endAsync(false, ending), ctl?.endAsync()]);
    },
  };
}
