import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { TOPIC_ROOT } from '@prometheus/protocol';
import type { Logger } from '../logger.js';
import { DEVICE_PUBLISH, DEVICE_SUBSCRIBE } from './access.js';

// Mosquitto 2's dynamic-security plugin, administered over MQTT: commands on $CONTROL/dynamic-security/v1,
// answers on .../response matched by correlationData. One client and one role per device (the role confines
// it to its own subtree, the same leaves access.ts grants on the embedded broker); the hub's own role lets it
// answer devices.

const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;
const TIMEOUT_MS = 10_000;
export const HUB_ROLE = 'prometheus-hub';
/** Leaves the hub publishes to devices; `status` only to clear a revoked device's retained one. */
const HUB_PUBLISH = ['ack', 'deploy', 'deploy/chunk', 'status'];

interface Acl { acltype: 'publishClientSend' | 'publishClientReceive' | 'subscribePattern' | 'subscribeLiteral'; topic: string; allow: boolean; priority?: number }
type Command = Record<string, unknown> & { command: string };
interface Response { command: string; error?: string; correlationData?: string; data?: unknown }

export const deviceRole = (deviceId: string) => `device-${deviceId}`;

export function deviceAcls(deviceId: string): Acl[] {
  const base = `${TOPIC_ROOT}/${deviceId}/`;
  return [
    ...[...DEVICE_PUBLISH].map((leaf): Acl => ({ acltype: 'publishClientSend', topic: base + leaf, allow: true })),
    ...[...DEVICE_SUBSCRIBE].map((leaf): Acl => ({ acltype: 'subscribePattern', topic: base + leaf, allow: true })),
  ];
}

export class DynsecError extends Error {
  constructor(readonly command: string, readonly reason: string) {
    super(`dynamic-security ${command}: ${reason}`);
  }
}

const exists = (err: unknown) => err instanceof DynsecError && /already exists/i.test(err.reason);
const notFound = (err: unknown) => err instanceof DynsecError && /not found/i.test(err.reason);

export function createDynsecAdmin(client: MqttClient, log: Logger) {
  const pending = new Map<string, { resolve(r: Response): void; reject(e: Error): void; timer: NodeJS.Timeout }>();

  client.on('message', (topic, payload) => {
    if (topic !== DYNSEC_RESPONSE_TOPIC) return;
    let responses: Response[] = [];
    try {
      responses = (JSON.parse(payload.toString('utf8')) as { responses?: Response[] }).responses ?? [];
    } catch (err) {
      log.warn({ err }, 'unreadable dynamic-security response');
    }
    for (const r of responses) {
      const waiting = r.correlationData ? pending.get(r.correlationData) : undefined;
      if (!waiting) continue;
      pending.delete(r.correlationData!);
      clearTimeout(waiting.timer);
      if (r.error) waiting.reject(new DynsecError(r.command, r.error));
      else waiting.resolve(r);
    }
  });

  async function run(command: Command): Promise<Response> {
    const correlationData = randomUUID();
    const answer = new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(correlationData);
        reject(new DynsecError(command.command, `no answer within ${TIMEOUT_MS} ms (is the dynamic-security plugin loaded, and is the hub's user its admin?)`));
      }, TIMEOUT_MS);
      pending.set(correlationData, { resolve, reject, timer });
    });
    // Settled by close() possibly before the publish returns: handled here, still seen by the caller.
    answer.catch(() => undefined);
    // While the broker is away mqtt.js holds the publish until it reconnects: the timeout above still applies.
    const sent = client.publishAsync(CONTROL_TOPIC, JSON.stringify({ commands: [{ ...command, correlationData }] }), { qos: 1 });
    sent.catch(() => undefined);
    await Promise.race([sent, answer]);
    return answer;
  }

  const tolerate = (test: (err: unknown) => boolean) => (err: unknown) => {
    if (!test(err)) throw err;
  };

  return {
    /** Must be subscribed before the first command (the caller does it on connect). */
    responseTopic: DYNSEC_RESPONSE_TOPIC,
    run,

    /** Does the hub's user hold the hub's role? */
    async hubRoleHeld(username: string): Promise<boolean> {
      const r = await run({ command: 'getClient', username });
      const roles = (r.data as { client?: { roles?: { rolename: string }[] } } | undefined)?.client?.roles ?? [];
      return roles.some((role) => role.rolename === HUB_ROLE);
    },

    /**
     * Creates the hub's role (publish to devices, read their subtree) and gives it to the hub's user. Mosquitto
     * disconnects every session of a client whose roles change, this one included, so the answer to
     * addClientRole may never come: the caller uses a throwaway connection and checks afterwards.
     */
    async grantHubRole(username: string): Promise<void> {
      const acls: Acl[] = [
        ...HUB_PUBLISH.map((leaf): Acl => ({ acltype: 'publishClientSend', topic: `${TOPIC_ROOT}/+/${leaf}`, allow: true })),
        { acltype: 'subscribePattern', topic: `${TOPIC_ROOT}/#`, allow: true },
        { acltype: 'publishClientReceive', topic: `${TOPIC_ROOT}/#`, allow: true },
      ];
      await run({ command: 'createRole', rolename: HUB_ROLE, textname: 'Prometheus hub', acls }).catch(tolerate(exists));
      const kicked = new Promise<void>((resolve) => client.once('close', () => resolve()));
      // Either answer will do; a lost one is not an error (the caller checks the role on its next connection).
      const answered = run({ command: 'addClientRole', username, rolename: HUB_ROLE }).catch((err: unknown) => {
        if (err instanceof DynsecError && !/no answer/.test(err.reason)) throw err;
      });
      await Promise.race([answered, kicked]);
      answered.catch(() => undefined);
    },

    /** Client id and username = device id, password = the secret issued at enrollment; its own role. */
    async provisionDevice(deviceId: string, secret: string): Promise<void> {
      const rolename = deviceRole(deviceId);
      await run({ command: 'createRole', rolename, acls: deviceAcls(deviceId) }).catch(tolerate(exists));
      try {
        await run({ command: 'createClient', username: deviceId, clientid: deviceId, password: secret, roles: [{ rolename }] });
      } catch (err) {
        if (!exists(err)) throw err;
        // Enrolled again (a new token for the same target): the new secret replaces the old one.
        await run({ command: 'setClientPassword', username: deviceId, password: secret });
        await run({ command: 'addClientRole', username: deviceId, rolename });
      }
    },

    /** Deleting the client makes Mosquitto disconnect its session at once (without its will). */
    async revokeDevice(deviceId: string): Promise<void> {
      await run({ command: 'deleteClient', username: deviceId }).catch(tolerate(notFound));
      await run({ command: 'deleteRole', rolename: deviceRole(deviceId) }).catch(tolerate(notFound));
    },

    close(): void {
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.reject(new Error('broker link closed'));
        pending.delete(id);
      }
    },
  };
}

export type DynsecAdmin = ReturnType<typeof createDynsecAdmin>;
