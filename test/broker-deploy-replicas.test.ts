import { createHash } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceTopic, type DeploymentDetail } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../apps/hub/src/test/harness.js';
import { enrollTarget, scriptedDevice } from '../apps/hub/src/test/deployment-agent.js';
import { createScratchDatabase, type ScratchDatabase } from '../apps/hub/src/test/scratch-postgres.js';
import { sensorCsv, setTier, TINY, trainToEnd, validatedDataset } from '../apps/hub/src/test/training.js';
import { startTestBroker, type TestBroker } from './broker/mosquitto.js';
import { removeTempDirs, tempDir } from './edge-link/harness.js';

// Two hub replicas on one PostgreSQL database, one data volume and one Mosquitto. A deployment opened on replica
// A is a transfer in A's memory (the package chunks), but the broker hands each deploy/status to one replica
// of the shared group: with two replicas, round robin, about every other report reaches B. The transfer must
// still advance on A (every replica also reads deploy/status unshared and the one holding it acts) and the
// deployment reach `deployed` whichever replica stored the outcome.
let broker: TestBroker;
let db: ScratchDatabase;
let a: TestHub;
let b: TestHub;
let admin: string;
let modelId: string;

beforeAll(async () => {
  broker = await startTestBroker(tempDir('mosquitto-deploy-replicas'));
  db = await createScratchDatabase('deploy_replicas');
  // Small chunks: many `receiving` reports, so some certainly go to B.
  const env = { ...broker.env, DATABASE_URL: db.url, PROMETHEUS_DATA_DIR: tempDir('shared-volume'), DEPLOY_CHUNK_BYTES: '1024', DEPLOY_WINDOW_CHUNKS: '1' };
  a = await createTestHub({ ...env, PROMETHEUS_REPLICA_ID: 'replica-a' });
  await a.hub.start();
  b = await createTestHub({ ...env, PROMETHEUS_REPLICA_ID: 'replica-b' });
  await b.hub.start();
  admin = await a.adminToken();
  await setTier(a, 'admin', 'enterprise');
  const ds = await validatedDataset(a, admin, sensorCsv({ rows: 200 }));
  modelId = (await trainToEnd(a, admin, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: TINY })).model_id as string;
}, 240_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
  await db?.drop();
  await broker?.stop();
  removeTempDirs();
});

describe('a deployment transfer across replicas', () => {
  it('opened on replica A reaches deployed while the shared group hands its reports to both replicas', async () => {
    const enrolled = await enrollTarget(a, admin, { name: 'Replicated AHU', arch: 'x64' });
    // What the agent does on connect: a retained `online` status (presence, which gates the chunks).
    const id = enrolled.device_id;
    const status = await mqtt.connectAsync(enrolled.mqtt.url, { clientId: id, username: id, password: enrolled.device_secret, reconnectPeriod: 0 });
    await status.publishAsync(deviceTopic(id, 'status'), JSON.stringify({ v: 1, state: 'online', version: '0.1.0' }), { qos: 1, retain: true });
    await status.endAsync();
    const device = scriptedDevice(enrolled.mqtt.url, enrolled);
    await device.connect();
    try {
      await device.report({ deployment_id: null, state: 'idle', resume: true });
      const res = await a.request('POST', '/api/v1/deployments', { token: admin, json: { model_id: modelId, target_id: enrolled.id } });
      expect(res.status).toBe(201);
      const dep = (await res.json()) as { id: string };
      // Read through B: the store is the one both replicas share.
      const detail = async () => (await (await b.request('GET', `/api/v1/deployments/${dep.id}`, { token: admin })).json()) as DeploymentDetail;
      const until = Date.now() + 90_000;
      const waitFor = async (what: string, ok: () => boolean | Promise<boolean>) => {
        while (!(await ok())) {
          if (Date.now() > until) throw new Error(`waiting for ${what}: ${(await detail()).status}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await waitFor('the manifest', () => device.commands.some((c) => c.deployment_id === dep.id));
      const size = device.manifest(dep.id).package!.size;
      let held = 0;
      let reports = 0;
      while (held < size) {
        await device.report({ deployment_id: dep.id, state: 'receiving', next_offset: held, resume: held === 0 });
        reports += 1;
        await waitFor(`chunks past ${held} of ${size} (report ${reports})`, () => device.received(dep.id).length > held);
        held = device.received(dep.id).length;
      }
      expect(reports, `size ${size}`).toBeGreaterThanOrEqual(4);
      const manifest = device.manifest(dep.id);
      expect(createHash('sha256').update(device.received(dep.id)).digest('hex')).toBe(manifest.package!.sha256);
      await device.report({ deployment_id: dep.id, state: 'health_check' });
      await device.report({
        deployment_id: dep.id, state: 'deployed', health: { score: manifest.health!.expected_score, expected: manifest.health!.expected_score, runtime: 'onnxruntime-node' },
        current: { deployment_id: dep.id, model_id: modelId, model_version: 'v1' },
      });
      await waitFor('deployed', async () => (await detail()).status === 'deployed');
      expect((await detail()).transfer).toMatchObject({ bytes_total: size });
    } finally {
      await device.disconnect();
    }
  }, 120_000);
});
