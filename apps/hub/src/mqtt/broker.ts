import fs from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type Client, type PublishPacket } from 'aedes';
import { DeviceStatus, deviceTopic, parseDeviceTopic, parseMessage, type DeviceTopic } from '@prometheus/protocol';
import type { MqttConnectionLimits } from '../config.js';
import type { Logger } from '../logger.js';
import type { TargetsService } from '../modules/fleet/targets-service.js';
import { createAccessHooks, type AccessDeps } from './access.js';
import { createConnectionGuard, type AdmitOptions } from './connection-guard.js';
import type { DeviceMessageHandler, DeviceRouteOptions } from './device-link.js';
import { createPresence } from './presence.js';

export interface MqttConfig {
  host: string;
  port: number;
  tls: { port: number; certFile: string; keyFile: string } | undefined;
  limits: MqttConnectionLimits;
}

export interface MqttBrokerDeps extends Pick<AccessDeps, 'authenticateDevice' | 'authenticateUser' | 'userMaySee'> {
  config: MqttConfig;
  targets: TargetsService;
  log: Logger;
  /**
   * With an external broker (MQTT_URL) this one serves only the console's MQTT over WebSocket: no TCP/TLS
   * listeners, no device logins, device messages copied in by the external link (`relay`).
   */
  consoleOnly?: boolean;
}

/** Handles a message a device published (past the ACL). */
type BrokerMessageHandler = (deviceId: string, payload: Buffer, packet: AedesPublishPacket, client: Client | null) => void | Promise<void>;
/**
 * One row of the broker's table of device leaves. `beforeAck` handlers run before the PUBACK (the message is
 * stored before the device may forget it; a rejection refuses the publish); the others after it.
 */
interface DeviceRoute { handle: BrokerMessageHandler; beforeAck: boolean }

/**
 * The embedded aedes broker: TCP (and TLS when configured), MQTT over WebSocket via `handleStream`,
 * every CONNECT authenticated, every publish and subscribe checked (access.ts). Telemetry is stored
 * before its PUBACK and answered on `ack`; status and will messages keep each target's presence.
 */
export function createMqttBroker(deps: MqttBrokerDeps) {
  const { config, log, targets } = deps;
  // The one table: device leaf -> its handlers. Modules add rows with onDeviceMessage (fleet: telemetry;
  // deployments: deploy/status, inference); the broker's own row keeps presence from `status`.
  const routes = new Map<string, DeviceRoute[]>();
  const route = (leaf: string, handle: BrokerMessageHandler, beforeAck = false) =>
    routes.set(leaf, [...(routes.get(leaf) ?? []), { handle, beforeAck }]);
  const servers: net.Server[] = [];
  const presence = createPresence({ targets, log });
  const guard = createConnectionGuard(config.limits, log);
  let broker: Aedes | undefined;
  let boundPort = 0;

  const publishToDevice = (deviceId: string, leaf: DeviceTopic, payload: unknown, opts: { qos?: 0 | 1; retain?: boolean } = {}) =>
    new Promise<void>((resolve, reject) => {
      if (!broker) return reject(new Error('mqtt broker not started'));
      const packet: PublishPacket = {
        cmd: 'publish', topic: deviceTopic(deviceId, leaf), qos: opts.qos ?? 1, retain: opts.retain ?? false, dup: false,
        payload: Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload)),
      };
      broker.publish(packet, (err) => (err ? reject(err) : resolve()));
    });

  const access = createAccessHooks({
    ...deps,
    async beforeDevicePublish(deviceId, leaf, packet, client) {
      for (const r of routes.get(leaf) ?? []) if (r.beforeAck) await r.handle(deviceId, packet.payload as Buffer, packet as AedesPublishPacket, client);
    },
  });

  route('status', (deviceId, payload, _packet, client) => {
    const status = parseMessage(DeviceStatus, payload);
    if (status) presence.status(deviceId, client, status);
  });

  function onPublish(packet: AedesPublishPacket, client: Client | null): void {
    const principal = access.principal(client);
    const topic = parseDeviceTopic(packet.topic);
    if (principal?.kind !== 'device' || !topic || topic.deviceId !== principal.deviceId) return;
    for (const r of routes.get(topic.leaf) ?? []) {
      if (r.beforeAck) continue;
      Promise.resolve(r.handle(principal.deviceId, packet.payload as Buffer, packet, client))
        .catch((err: unknown) => log.error({ err, deviceId: principal.deviceId, leaf: topic.leaf }, 'device message handler failed'));
    }
  }

  /** Every transport enters here: the guard's limits first, then aedes. */
  function admit(stream: Duplex, opts: AdmitOptions, req?: IncomingMessage): void {
    if (!broker || broker.closed) return void stream.destroy();
    const conn = guard.admit(stream, opts);
    if (conn) broker.handle(conn, req);
  }

  async function listen(server: net.Server, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, config.host, () => resolve());
    });
    servers.push(server);
    return (server.address() as net.AddressInfo).port;
  }

  return {
    name: 'mqtt-broker',
    kind: 'embedded' as const,
    publishToDevice,
    /** Adds a row to the table of device leaves: `deploy/status`, `inference`, `telemetry` (before the PUBACK)... */
    onDeviceMessage(leaf: string, handler: DeviceMessageHandler, opts: DeviceRouteOptions = {}): void {
      // One process: every message reaches it, so `everyReplica` routes are ordinary ones here.
      route(leaf, handler, opts.beforeAck ?? false);
    },
    // Credentials live in the hub's store, which authenticate reads on every CONNECT: nothing to provision.
    provisionDevice: async (_deviceId: string, _secret: string): Promise<void> => undefined,
    revokeDevice: async (deviceId: string): Promise<void> => presence.disconnect(deviceId),
    disconnectDevice: (deviceId: string) => presence.disconnect(deviceId),
    /** Console-only mode: a device message from the external broker, for console clients watching it. */
    relay(topic: string, payload: Buffer, retain: boolean): void {
      broker?.publish({ cmd: 'publish', topic, payload, qos: 0, retain, dup: false }, (err) => {
        if (err) log.warn({ err, topic }, 'console relay failed');
      });
    },
    isOnline: (deviceId: string) => presence.isOnline(deviceId),
    port: () => boundPort,
    connectedClients: () => broker?.connectedClients ?? 0,
    /** Refusals by reason since start (connection-guard.ts). */
    refusedConnections: () => guard.refused(),
    /**
     * MQTT over WebSocket (and tests' in-memory duplexes). `ip` is the client's address as the HTTP layer
     * sees it (X-Forwarded-For behind a trusted proxy); the request's socket carries the WebSocket frames.
     */
    handleStream(stream: Duplex, req?: IncomingMessage, ip?: string): void {
      admit(stream, { ip: ip ?? req?.socket.remoteAddress ?? 'unknown', transport: req?.socket }, req);
    },

    async start(): Promise<void> {
      // With an external broker the retained statuses there say who is online, not this process's start.
      if (!deps.consoleOnly) await targets.markAllOffline();
      broker = await Aedes.createBroker({
        id: 'prometheus-hub', connectTimeout: config.limits.connectTimeoutMs,
        authenticate: access.authenticate, authorizePublish: access.authorizePublish, authorizeSubscribe: access.authorizeSubscribe,
      });
      broker.on('clientReady', (client) => {
        guard.accepted(client.conn as Duplex);
        const p = access.principal(client);
        if (p?.kind === 'device') presence.connected(p.deviceId, client);
      });
      broker.on('clientDisconnect', (client) => {
        const p = access.principal(client);
        if (p?.kind === 'device') presence.disconnected(p.deviceId, client);
      });
      broker.on('publish', onPublish);
      if (deps.consoleOnly) return;
      const direct = (socket: net.Socket) => admit(socket, { ip: socket.remoteAddress ?? 'unknown' });
      // No Nagle: acks are small packets, and delaying them stalls every agent's window.
      boundPort = await listen(net.createServer({ noDelay: true }, direct), config.port);
      if (config.tls) {
        const secure = tls.createServer({ cert: fs.readFileSync(config.tls.certFile), key: fs.readFileSync(config.tls.keyFile) }, direct);
        await listen(secure, config.tls.port);
      }
      log.info({ port: boundPort, tlsPort: config.tls?.port }, 'mqtt broker listening');
    },

    async stop(): Promise<void> {
      for (const server of servers.splice(0)) server.close();
      const b = broker;
      if (b) await new Promise<void>((resolve) => b.close(() => resolve()));
      await presence.settle();
    },
  };
}

export type MqttBroker = ReturnType<typeof createMqttBroker>;
export type { DeviceMessageHandler } from './device-link.js';
