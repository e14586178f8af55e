import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetail, EnrollResponse, Target } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { sensorCsv, setTier, TINY, trainToEnd, validatedDataset } from '../../test/training.js';
import { scriptedDevice } from '../../test/deployment-agent.js';

type Json = Record<string, unknown>;

// The contract's deploy by address: POST /deployments {model_id, target_ip, target_name} for an IP no target has
// yet registers a pending target (enrollment token in the answer) and the deployment waits for its agent; the
// agent enrolling with that token then receives it.
let t: TestHub;
let admin: string;
let modelId: string;

beforeAll(async () => {
  t = await createTestHub();
  await t.hub.start();
  admin = await t.adminToken();
  await setTier(t, 'admin', 'enterprise');
  const ds = await validatedDataset(t, admin, sensorCsv({ rows: 200 }));
  modelId = (await trainToEnd(t, admin, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: TINY })).model_id as string;
}, 180_000);
afterAll(() => t.close());

const post = (token: string, body: unknown) => t.request('POST', '/api/v1/deployments', { token, json: body });
const targets = async () => (await (await t.request('GET', '/api/v1/deployments/targets', { token: admin })).json()) as Target[];
const detail = async (id: string) => (await (await t.request('GET', `/api/v1/deployments/${id}`, { token: admin })).json()) as DeploymentDetail;

async function waitFor(id: string, want: (d: DeploymentDetail) => boolean): Promise<DeploymentDetail> {
  const until = Date.now() + 30_000;
  for (;;) {
    const d = await detail(id);
    if (want(d)) return d;
    if (Date.now() > until) throw new Error(`deployment ${id} stuck at ${d.status}: ${d.status_detail ?? ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('deploy by IP', () => {
  it('registers a pending target for a new address, waits for its agent, and sends the model once it enrolls', async () => {
    const res = await post(admin, { model_id: modelId, target_ip: '100.124.76.93', target_name: 'Warren AHU-1' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({ status: 'compiling', model_id: modelId, target_ip: '100.124.76.93', target_name: 'Warren AHU-1' });
    expect(String(body.id)).toMatch(/^dep_/);
    expect(String(body.enrollment_token)).toMatch(/^pet_/);
    const target = (await targets()).find((x) => x.id === body.target_id);
    expect(target).toMatchObject({ ip: '100.124.76.93', name: 'Warren AHU-1', status: 'pending' });

    const waiting = await waitFor(String(body.id), (d) => d.status === 'transferring' && (d.status_detail ?? '').includes('waiting for the target'));
    expect(waiting.transfer?.target_online).toBe(false);

    const enrolled = await t.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token: body.enrollment_token, agent_version: '0.1.0', arch: 'x64' } });
    expect(enrolled.status).toBe(201);
    const device = scriptedDevice(`mqtt://127.0.0.1:${t.hub.services.broker.port()}`, (await enrolled.json()) as EnrollResponse);
    await device.connect();
    try {
      await device.report({ deployment_id: null, state: 'idle', resume: true });
      await waitFor(String(body.id), () => device.commands.some((c) => c.deployment_id === body.id));
      expect(device.manifest(String(body.id))).toMatchObject({ deployment_id: body.id, target_id: body.target_id, model_id: modelId });
    } finally {
      await device.disconnect();
    }
  }, 60_000);

  it('reuses the target an address already has, without a new token', async () => {
    const first = (await (await post(admin, { model_id: modelId, target_ip: '10.1.2.3' })).json()) as Json;
    expect(first).toMatchObject({ target_ip: '10.1.2.3', target_name: '10.1.2.3' });
    const count = (await targets()).length;
    const again = await post(admin, { model_id: modelId, target_ip: '10.1.2.3' });
    expect(again.status).toBe(201);
    const body = (await again.json()) as Json;
    expect(body.target_id).toBe(first.target_id);
    expect(body).not.toHaveProperty('enrollment_token');
    expect(await targets()).toHaveLength(count);
  });

  it('says which IP or name it could not match, refuses bad addresses, and registers nothing for a refused request', async () => {
    await post(admin, { model_id: modelId, target_ip: '10.9.9.9', target_name: 'Boiler room' });
    const count = (await targets()).length;
    const otherName = await post(admin, { model_id: modelId, target_ip: '10.9.9.9', target_name: 'Chiller 2' });
    expect(otherName.status).toBe(404);
    const missing = (await otherName.json()) as Json;
    expect(missing).toMatchObject({ code: 'NOT_FOUND', details: "No target named 'Chiller 2' has IP '10.9.9.9'" });
    expect(JSON.stringify(missing)).not.toContain(' id ');
    const noName = await post(admin, { model_id: modelId, target_name: 'Nowhere' });
    expect(await noName.json()).toMatchObject({ code: 'NOT_FOUND', details: "No target named 'Nowhere'" });

    const bad = await post(admin, { model_id: modelId, target_ip: 'not-an-address' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error).toContain("'target_ip'");
    const viewer = await t.userWithRole('viewer');
    expect((await post(viewer.token, { model_id: modelId, target_ip: '10.7.7.7' })).status).toBe(403);
    expect((await post(admin, { model_id: 'mdl_nothere', target_ip: '10.7.7.8' })).status).toBe(404);
    expect(await targets()).toHaveLength(count);
    // The first admin is exempt from tier limits; a second admin on free gets one deployment, not two.
    const second = await t.userWithRole('admin', 'second-admin');
    await setTier(t, second.username, 'free');
    expect((await post(second.token, { model_id: modelId, target_ip: '10.7.7.9' })).status).toBe(201);
    const before = (await targets()).length;
    const limited = await post(second.token, { model_id: modelId, target_ip: '10.7.7.10' });
    expect(limited.status).toBe(403);
    expect(((await limited.json()) as Json).code).toBe('TIER_LIMIT');
    expect(await targets()).toHaveLength(before);
  });
});
