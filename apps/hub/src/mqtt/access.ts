import type { AuthenticateError, Client, PublishPacket, Subscription } from 'aedes';
import { DeviceId, parseDeviceTopic } from '@prometheus/protocol';
import { canSeeAll } from '../access.js';
import type { AuthUser } from '../http/context.js';
import type { Logger } from '../logger.js';

// Who may connect, publish and subscribe: the broker's hooks, with safe defaults in one place.
// Anything not granted below is refused: unknown clients, unknown topics, wildcards outside the console rule.
export type Principal = { kind: 'device'; deviceId: string } | { kind: 'console'; user: AuthUser };

/** Leaves a device may publish under its own subtree (agent -> hub). */
export const DEVICE_PUBLISH = new Set(['telemetry', 'status', 'inference', 'deploy/status']);
/** Leaves a device may subscribe to under its own subtree (hub -> agent). */
export const DEVICE_SUBSCRIBE = new Set(['ack', 'deploy', 'deploy/chunk', 'deploy/#']);
/** Leaves console users may watch, read-only, for targets they may see. */
export const CONSOLE_SUBSCRIBE = new Set(['status', 'telemetry', 'inference']);
/** MQTT username of console clients; their password is the user's bearer token. */
export const CONSOLE_USERNAME = 'console';

/**
 * May this device publish to / subscribe to this topic? Only the listed leaves of its own subtree (no
 * wildcards outside `deploy/#`, no shared subscriptions). The embedded broker's hooks and the HTTP ACL hook
 * for clustered brokers both ask here.
 */
export function deviceMay(deviceId: string, action: 'publish' | 'subscribe', topicName: string): boolean {
  const topic = parseDeviceTopic(topicName);
  if (!topic || topic.deviceId !== deviceId) return false;
  return (action === 'publish' ? DEVICE_PUBLISH : DEVICE_SUBSCRIBE).has(topic.leaf);
}

// MQTT 3.1.1 CONNACK return codes [MQTT-3.2.2-3].
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

export interface AccessDeps {
  authenticateDevice(deviceId: string, secret: string): Promise<boolean>;
  authenticateUser(token: string): Promise<AuthUser>;
  userMaySee(user: AuthUser, targetId: string): Promise<boolean>;
  /** Runs before the PUBACK of a device publish; a rejection refuses the publish (the client is disconnected). */
  beforeDevicePublish(deviceId: string, leaf: string, packet: PublishPacket, client: Client | null): Promise<void> | void;
  log: Logger;
}

const refusal = (message: string, returnCode: number): AuthenticateError =>
  Object.assign(new Error(message), { returnCode }) as AuthenticateError;

export function createAccessHooks(deps: AccessDeps) {
  const principals = new WeakMap<Client, Principal>();

  async function authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Principal> {
    const secret = password?.toString('utf8') ?? '';
    if (!username || !secret) throw refusal('credentials required', BAD_CREDENTIALS);
    if (username === CONSOLE_USERNAME) {
      // A console client must not take a device's client id: the broker would drop the device's session.
      if (DeviceId.safeParse(client.id).success) throw refusal('console clients may not use a device id', NOT_AUTHORIZED);
      const user = await deps.authenticateUser(secret).catch(() => undefined);
      if (!user) throw refusal('invalid bearer token', BAD_CREDENTIALS);
      return { kind: 'console', user };
    }
    if (client.id !== username) throw refusal('client id must be the device id', NOT_AUTHORIZED);
    if (!(await deps.authenticateDevice(username, secret))) throw refusal('bad device credentials', BAD_CREDENTIALS);
    return { kind: 'device', deviceId: username };
  }

  return {
    principal: (client: Client | null) => (client ? principals.get(client) : undefined),

    authenticate(client: Client, username: string | undefined, password: Buffer | undefined,
      done: (error: AuthenticateError | null, success: boolean | null) => void): void {
      authenticate(client, username, password).then((p) => {
        principals.set(client, p);
        done(null, true);
      }, (err: AuthenticateError) => {
        deps.log.info({ clientId: client.id, reason: err.message }, 'mqtt connect refused');
        done(err.returnCode ? err : refusal('server error', 3), false);
      });
    },

    authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
      const p = client ? principals.get(client) : undefined;
      const topic = parseDeviceTopic(packet.topic);
      if (p?.kind !== 'device' || !topic || !deviceMay(p.deviceId, 'publish', packet.topic)) {
        deps.log.warn({ clientId: client?.id, topic: packet.topic }, 'mqtt publish refused');
        done(new Error(`not allowed to publish to ${packet.topic}`));
        return;
      }
      const deviceId = p.deviceId;
      Promise.resolve().then(() => deps.beforeDevicePublish(deviceId, topic.leaf, packet, client)).then(() => done(null), (err: Error) => {
        deps.log.warn({ err, deviceId, topic: packet.topic }, 'device publish rejected');
        done(err);
      });
    },

    authorizeSubscribe(client: Client, sub: Subscription, done: (error: Error | null, subscription?: Subscription | null) => void): void {
      const p = principals.get(client);
      const topic = parseDeviceTopic(sub.topic);
      const deny = () => {
        deps.log.warn({ clientId: client.id, topic: sub.topic }, 'mqtt subscribe refused');
        done(null, null); // SUBACK 0x80 [MQTT-3.9.3-2]
      };
      if (!p || !topic) return deny();
      if (p.kind === 'device') return deviceMay(p.deviceId, 'subscribe', sub.topic) ? done(null, sub) : deny();
      if (!CONSOLE_SUBSCRIBE.has(topic.leaf)) return deny();
      if (topic.deviceId === '+') return canSeeAll(p.user.role) ? done(null, sub) : deny();
      deps.userMaySee(p.user, topic.deviceId).then((ok) => (ok ? done(null, sub) : deny()), deny);
    },
  };
}

export type AccessHooks = ReturnType<typeof createAccessHooks>;
