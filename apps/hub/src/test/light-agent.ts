import { createHash, verify } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import {
  AgentUpdateManifest, DeployCommand, DeployManifest, decodeDeployChunk, deviceTopic, parseMessage, type DeployStatusReport, type EdgeScore, type EnrollResponse,
} from '@prometheus/protocol';

// Test and bench factory: a light agent on the real broker that answers the deploy link as the real agent
// does (manifest signature checked with the pinned key, chunks taken in order and confirmed, the package's
// sha256 checked, then `deployed` or `rolled_back`), without running a model. Rollouts across hundreds of
// targets are driven with these (the real agent is in test/rollout-e2e.test.ts).

export type Verdict = { state: 'deployed' } | { state: 'rolled_back'; reason: string };
/** What it was sent: a model (and/or rules) manifest or an agent update's. */
export type AnyManifest = DeployManifest | AgentUpdateManifest;

export interface LightAgent {
  id: string;
  /** What it runs: the last deployed manifest's model, and its agent version (changed by agent updates). */
  current: DeployStatusReport['current'];
  agentVersion: string;
  /** Deployment ids it received a manifest for, in order. */
  manifests: string[];
  /** Bytes of deploy traffic it received (manifests and chunks). */
  bytesIn: number;
  /** Connects (to another broker address after a hub restart, if given). */
  connect(url?: string): Promise<void>;
  disconnect(): Promise<void>;
  scores(deploymentId: string, modelId: string, scores: EdgeScore[]): Promise<void>;
}

export function lightAgent(mqttUrl: string, enrolled: EnrollResponse, verdict: (m: AnyManifest) => Verdict = () => ({ state: 'deployed' }), agentVersion = '0.1.0'): LightAgent {
  let client: MqttClient | undefined;
  let seq = 0;
  let transfer: { manifest: AnyManifest; parts: Buffer[]; held: number } | undefined;
  const id = enrolled.device_id;
  const done = new Set<string>();
  const publish = (leaf: 'deploy/status' | 'inference', body: unknown) => client?.publishAsync(deviceTopic(id, leaf), JSON.stringify(body), { qos: 1 }).then(() => undefined);
  const self: LightAgent = {
    id, current: null, agentVersion, manifests: [], bytesIn: 0,
    async connect(url = mqttUrl) {
      mqttUrl = url;
      client = await mqtt.connectAsync(mqttUrl, { clientId: id, username: id, password: enrolled.device_secret, reconnectPeriod: 0, clean: true });
      client.on('message', (topic, payload) => {
        self.bytesIn += payload.length;
        if (topic.endsWith('/deploy')) void onManifest(payload);
        else if (topic.endsWith('/deploy/chunk')) void onChunk(payload);
      });
      await client.subscribeAsync([deviceTopic(id, 'deploy'), deviceTopic(id, 'deploy/chunk')], { qos: 1 });
      await report({ deployment_id: null, state: 'idle', resume: true });
    },
    async disconnect() {
      await client?.endAsync(true);
      client = undefined;
    },
    scores: (deploymentId, modelId, scores) => publish('inference', { v: 1, kind: 'scores', seq: (seq += 1), deployment_id: deploymentId, model_id: modelId, scores }) as Promise<void>,
  };
  const report = (r: Omit<DeployStatusReport, 'v' | 'at' | 'current'>) => publish('deploy/status', { v: 1, at: Date.now(), current: self.current, ...r });

  async function onManifest(payload: Buffer): Promise<void> {
    const cmd = parseMessage(DeployCommand, payload);
    if (!cmd) return;
    if (self.current?.deployment_id === cmd.deployment_id || done.has(cmd.deployment_id)) return report({ deployment_id: cmd.deployment_id, state: 'deployed', resume: true });
    if (!verify(null, Buffer.from(cmd.manifest), enrolled.deploy_public_key ?? '', Buffer.from(cmd.signature, 'base64'))) {
      return report({ deployment_id: cmd.deployment_id, state: 'failed', reason: 'manifest signature does not verify' });
    }
    const json = JSON.parse(cmd.manifest) as { format?: string };
    const manifest: AnyManifest = json.format === 'prometheus-agent/1' ? AgentUpdateManifest.parse(json) : DeployManifest.parse(json);
    self.manifests.push(manifest.deployment_id);
    if (transfer?.manifest.deployment_id !== manifest.deployment_id) transfer = { manifest, parts: [], held: 0 };
    if ((manifest.package?.size ?? 0) === 0) return finish();
    await report({ deployment_id: manifest.deployment_id, state: 'receiving', next_offset: transfer.held, resume: true });
  }

  async function onChunk(payload: Buffer): Promise<void> {
    const c = decodeDeployChunk(payload);
    const t = transfer;
    if (!c || !t || c.header.deployment_id !== t.manifest.deployment_id || c.header.offset !== t.held) return;
    t.parts.push(Buffer.from(c.data));
    t.held += c.data.length;
    if (t.held < (t.manifest.package?.size ?? 0)) return report({ deployment_id: t.manifest.deployment_id, state: 'receiving', next_offset: t.held });
    await finish();
  }

  async function finish(): Promise<void> {
    const t = transfer as NonNullable<typeof transfer>;
    transfer = undefined;
    const m = t.manifest;
    const sha = createHash('sha256').update(Buffer.concat(t.parts)).digest('hex');
    if (m.package && sha !== m.package.sha256) return report({ deployment_id: m.deployment_id, state: 'failed', reason: 'package sha256 mismatch' });
    const v = verdict(m);
    if (v.state === 'rolled_back') return report({ deployment_id: m.deployment_id, state: 'rolled_back', reason: v.reason });
    done.add(m.deployment_id);
    if (m.format === 'prometheus-agent/1') {
      self.agentVersion = m.agent.version;
      return report({ deployment_id: m.deployment_id, state: 'deployed' });
    }
    self.current = { deployment_id: m.deployment_id, model_id: m.model_id, model_version: m.model_version };
    const expected = m.health?.expected_score ?? 0;
    await report({ deployment_id: m.deployment_id, state: 'deployed', health: { score: expected, expected, runtime: 'light-agent' } });
  }

  return self;
}
