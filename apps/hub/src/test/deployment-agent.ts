import { verify } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import {
  DeployCommand, DeployManifest, PromoteCommand, decodeDeployChunk, deviceTopic, parseMessage, type DeployStatusReport, type EnrollResponse,
  type InferenceMessage,
} from '@prometheus/protocol';
import type { TestHub } from './harness.js';

// Test factory: a target enrolled through the routes and a scripted device on the real broker, speaking the
// deploy link by hand, so the hub's side can be driven step by step (the real agent is in test/deploy-*).
export interface ScriptedDevice {
  enrolled: EnrollResponse;
  commands: DeployCommand[];
  /** Promotion orders received on `deploy` (addition). */
  promotions: PromoteCommand[];
  /** Package bytes received per deployment, in arrival order. */
  chunks: Map<string, { offset: number; data: Buffer; last: boolean }[]>;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  report(r: Omit<DeployStatusReport, 'v' | 'at' | 'current'> & { current?: DeployStatusReport['current'] }): Promise<void>;
  inference(m: InferenceMessage): Promise<void>;
  /** Verifies the latest manifest of a deployment with the key pinned at enrollment. */
  manifest(deploymentId: string): DeployManifest;
  /** The package bytes received so far (contiguous from offset 0). */
  received(deploymentId: string): Buffer;
}

export async function enrollTarget(t: TestHub, token: string, body: Record<string, unknown>): Promise<EnrollResponse & { id: string }> {
  const created = await t.request('POST', '/api/v1/deployments/targets', { token, json: body });
  if (created.status !== 201) throw new Error(`target: ${created.status} ${await created.text()}`);
  const { enrollment_token, id } = (await created.json()) as { enrollment_token: string; id: string };
  const res = await t.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token, agent_version: '0.1.0', arch: body.arch } });
  if (res.status !== 201) throw new Error(`enroll: ${res.status} ${await res.text()}`);
  return { ...((await res.json()) as EnrollResponse), id };
}

export function scriptedDevice(mqttUrl: string, enrolled: EnrollResponse): ScriptedDevice {
  let client: MqttClient | undefined;
  const commands: DeployCommand[] = [];
  const promotions: PromoteCommand[] = [];
  const chunks = new Map<string, { offset: number; data: Buffer; last: boolean }[]>();
  const id = enrolled.device_id;
  const publish = (leaf: 'deploy/status' | 'inference', body: unknown) => {
    if (!client) throw new Error('not connected');
    return client.publishAsync(deviceTopic(id, leaf), JSON.stringify(body), { qos: 1 }).then(() => undefined);
  };
  return {
    enrolled, commands, promotions, chunks,
    async connect() {
      client = await mqtt.connectAsync(mqttUrl, { clientId: id, username: id, password: enrolled.device_secret, reconnectPeriod: 0, clean: true });
      client.on('message', (topic, payload) => {
        if (topic.endsWith('/deploy')) {
          const cmd = parseMessage(DeployCommand, payload);
          if (cmd) commands.push(cmd);
          const order = parseMessage(PromoteCommand, payload);
          if (order) promotions.push(order);
        } else if (topic.endsWith('/deploy/chunk')) {
          const c = decodeDeployChunk(payload);
          if (!c) return;
          const list = chunks.get(c.header.deployment_id) ?? [];
          list.push({ offset: c.header.offset, data: Buffer.from(c.data), last: c.header.last });
          chunks.set(c.header.deployment_id, list);
        }
      });
      await client.subscribeAsync([deviceTopic(id, 'deploy'), deviceTopic(id, 'deploy/chunk')], { qos: 1 });
    },
    async disconnect() {
      await client?.endAsync(true);
      client = undefined;
    },
    report: (r) => publish('deploy/status', { v: 1, at: Date.now(), current: null, ...r }),
    inference: (m) => publish('inference', m),
    manifest(deploymentId) {
      const cmd = commands.findLast((c) => c.deployment_id === deploymentId);
      if (!cmd) throw new Error(`no manifest for ${deploymentId}`);
      if (!verify(null, Buffer.from(cmd.manifest), enrolled.deploy_public_key ?? '', Buffer.from(cmd.signature, 'base64'))) throw new Error('bad signature');
      return DeployManifest.parse(JSON.parse(cmd.manifest));
    },
    received(deploymentId) {
      const parts: Buffer[] = [];
      let at = 0;
      for (const c of chunks.get(deploymentId) ?? []) {
        if (c.offset !== at) continue;
        parts.push(c.data);
        at += c.data.length;
      }
      return Buffer.concat(parts);
    },
  };
}
