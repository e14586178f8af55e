import { createHash } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic, type DeploymentDetail } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../apps/hub/src/test/harness.js';
import { enrollTarget, scriptedDevice } from '../apps/hub/src/test/deployment-agent.js';
import { sensorCsv, setTier, TINY, trainToEnd, validatedDataset } from '../apps/hub/src/test/training.js';
import { startTestBroker, type TestBroker } from './broker/mosquitto.js';
import { removeTempDirs, tempDir } from './edge-link/harness.js';

// A deployment through Mosquitto: the hub publishes the signed manifest and the package chunks on the device's
// topics (its prometheus-hub role), the device reports on deploy/status, and presence comes from the device's
// retained status as a real agent publishes it.
let broker: TestBroker;
let t: TestHub;
let admin: string;
let modelId: string;

beforeAll(async () => {
  broker = await startTestBroker(tempDir('mosquitto-deploy'));
  t = await createTestHub(broker.env);
  await t.hub.start();
  admin = await t.adminToken();
  await setTier(t, 'admin', 'enterprise');
  const ds = await validatedDataset(t, admin, sensorCsv({ rows: 200 }));
  modelId = (await trainToEnd(t, admin, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: TINY })).model_id as string;
}, 180_000);
afterAll(async () => {
  await t?.close();
  await broker?.stop();
  removeTempDirs();
});

const detail = async (id: string) => (await (await t.request('GET', `/api/v1/deployments/${id}`, { token: admin })).json()) as DeploymentDetail;

describe('deployments through an external Mosquitto', () => {
  it('sends the manifest and the whole package to the device, and hears its reports', async () => {
    const enrolled = await enrollTarget(t, admin, { name: 'Deployed AHU', arch: 'x64' });
    expect(enrolled.mqtt.url).toBe(broker.publicUrl);
    // What the agent does on connect: a retained `online` status, with its own credentials (presence on Mosquitto).
    const id = enrolled.device_id;
    const status = await mqtt.connectAsync(enrolled.mqtt.url, { clientId: id, username: id, password: enrolled.device_secret, reconnectPeriod: 0 });
    await status.publishAsync(deviceTopic(id, 'status'), JSON.stringify({ v: 1, state: 'online', version: '0.1.0' }), { qos: 1, retain: true });
    await status.endAsync();
    const device = scriptedDevice(enrolled.mqtt.url, enrolled);
    await device.connect();
    try {
      await device.report({ deployment_id: null, state: 'idle', resume: true });
      const res = await t.request('POST', '/api/v1/deployments', { token: admin, json: { model_id: modelId, target_id: enrolled.id } });
      expect(res.status).toBe(201);
      const dep = (await res.json()) as { id: string };
      const until = Date.now() + 60_000;
      const waitUntil = async (what: string, ok: (d: DeploymentDetail) => boolean): Promise<DeploymentDetail> => {
        for (;;) {
          const d = await detail(dep.id);
          if (ok(d)) return d;
          if (Date.now() > until) throw new Error(`waiting for ${what}: ${d.status} ${d.status_detail ?? ''}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await waitUntil('the manifest', () => device.commands.some((c) => c.deployment_id === dep.id));
      const manifest = device.manifest(dep.id);
      expect(manifest).toMatchObject({ deployment_id: dep.id, target_id: enrolled.id, model_id: modelId });
      const size = manifest.package!.size;
      let held = 0;
      while (held < size) {
        await device.report({ deployment_id: dep.id, state: 'receiving', next_offset: held, resume: held === 0 });
        await waitUntil('chunks', () => device.received(dep.id).length > held);
        held = device.received(dep.id).length;
      }
      expect(createHash('sha256').update(device.received(dep.id)).digest('hex')).toBe(manifest.package!.sha256);
      await device.report({ deployment_id: dep.id, state: 'health_check' });
      await device.report({
        deployment_id: dep.id, state: 'deployed', health: { score: manifest.health!.expected_score, expected: manifest.health!.expected_score, runtime: 'onnxruntime-node' },
        current: { deployment_id: dep.id, model_id: modelId, model_version: 'v1' },
      });
      const done = await waitUntil('deployed', (d) => d.status === 'deployed');
      expect(done.transfer).toMatchObject({ bytes_acked: size, bytes_total: size });
    } finally {
      await device.disconnect();
    }
  }, 90_000);
});
