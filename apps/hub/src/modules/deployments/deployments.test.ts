import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetail, EnrollResponse, Target } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { sensorCsv, setTier, TINY, trainToEnd, validatedDataset } from '../../test/training.js';
import { createDeploymentsRepo } from './repo.js';
import { enrollTarget, scriptedDevice } from '../../test/deployment-agent.js';

// The deployments routes in-process: route order against the fleet's /deployments/targets routes,
// permissions and ownership, the tier limit, the binary route per architecture, the model delete guard,
// user hand-over, and the whole hub side of a deployment with a scripted device on the real broker.
let t: TestHub;
let admin: string;
let modelId: string;
let mqttUrl: string;
const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-build-'));

beforeAll(async () => {
  t = await createTestHub({ EDGE_BUILD_DIR: buildDir });
  await t.hub.start();
  mqttUrl = `mqtt://127.0.0.1:${t.hub.services.broker.port()}`;
  admin = await t.adminToken();
  await setTier(t, 'admin', 'enterprise'); // free allows one deployment; these tests make many
  const ds = await validatedDataset(t, admin, sensorCsv({ rows: 240 }));
  const run = await trainToEnd(t, admin, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: TINY });
  modelId = run.model_id as string;
}, 180_000);
afterAll(async () => {
  await t.close();
  fs.rmSync(buildDir, { recursive: true, force: true });
});

const post = (token: string, body: unknown) => t.request('POST', '/api/v1/deployments', { token, json: body });
const detail = async (token: string, id: string) => (await (await t.request('GET', `/api/v1/deployments/${id}`, { token })).json()) as DeploymentDetail;

async function waitStatus(token: string, id: string, want: (d: DeploymentDetail) => boolean, timeoutMs = 30_000): Promise<DeploymentDetail> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const d = await detail(token, id);
    if (want(d)) return d;
    if (Date.now() > until) throw new Error(`deployment ${id} stuck at ${d.status}: ${JSON.stringify(d.steps)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('routes', () => {
  it('keeps /deployments/targets for the fleet and answers /deployments/:id for deployments', async () => {
    await enrollTarget(t, admin, { name: 'Order check', arch: 'x64' });
    const list = await t.request('GET', '/api/v1/deployments/targets', { token: admin });
    expect(list.status).toBe(200);
    expect(((await list.json()) as Target[]).some((x) => x.name === 'Order check')).toBe(true);
    const missing = await t.request('GET', '/api/v1/deployments/dep_nothere1', { token: admin });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await t.request('GET', '/api/v1/deployments', { token: admin })).status).toBe(200);
  });

  it('validates the body, names the target and refuses viewers, revoked targets and other users\' things', async () => {
    const viewer = await t.userWithRole('viewer');
    const op = await t.userWithRole('operator');
    const target = await enrollTarget(t, admin, { name: 'Admin box', arch: 'x64' });
    expect((await post(viewer.token, { model_id: modelId, target_id: target.id })).status).toBe(403);
    const bad = await post(admin, { model_id: modelId });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('target_id');
    expect((await post(admin, { model_id: 'mdl_nope', target_id: target.id })).status).toBe(404);
    expect((await post(admin, { model_id: modelId, target_name: 'No such box' })).status).toBe(404);
    // An operator sees neither the admin's model nor target.
    expect((await post(op.token, { model_id: modelId, target_id: target.id })).status).toBe(404);
    const revoked = await enrollTarget(t, admin, { name: 'Gone box', arch: 'x64' });
    await t.request('POST', `/api/v1/deployments/targets/${revoked.id}/revoke`, { token: admin });
    expect((await post(admin, { model_id: modelId, target_id: revoked.id })).status).toBe(409);
    const mismatch = await post(admin, { model_id: modelId, target_id: target.id, target_name: 'Gone box' });
    expect(mismatch.status).toBe(400);
    const clear = await post(admin, { model_id: modelId, target_id: target.id, alerts: { clear_threshold: 1e9 } });
    expect(clear.status).toBe(400);
    expect(((await clear.json()) as { error: string }).error).toContain('alerts.clear_threshold');
  });
});

describe('a deployment through the hub steps and the scripted device', () => {
  it('compiles, quantizes, packages, signs, transfers in chunks and is deployed when the device reports back', async () => {
    const target = await enrollTarget(t, admin, { name: 'Warren AHU-1', ip: '100.124.76.93', arch: 'x64' });
    const device = scriptedDevice(mqttUrl, target);
    await device.connect();
    const created = await post(admin, { model_id: modelId, target_ip: '100.124.76.93', target_name: 'Warren AHU-1' });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; status: string; target_id: string };
    expect(body).toMatchObject({ status: 'compiling', target_id: target.id });
    const id = body.id;
    const ready = await waitStatus(admin, id, (d) => d.status === 'transferring' && device.commands.length > 0);
    expect(ready.steps.map((s) => s.status)).toEqual(['compiling', 'quantizing', 'packaging', 'transferring']);
    expect(ready.steps[1]?.detail).toContain('onnxruntime-node');
    const manifest = device.manifest(id);
    expect(manifest).toMatchObject({ deployment_id: id, target_id: target.id, model_id: modelId, model_version: 'v1' });
    expect(manifest.model!.feature_columns).toEqual(['supply_temp', 'return_temp', 'fan_speed']);
    expect(manifest.rules).toBeUndefined(); // no point map on this target: the rules stay off
    expect(ready.rules).toBeNull();
    expect(manifest.package!.size).toBe(ready.package?.size_bytes);

    await device.report({ deployment_id: id, state: 'receiving', next_offset: 0, resume: true });
    const size = manifest.package!.size;
    await waitStatus(admin, id, () => device.received(id).length === size || (device.chunks.get(id)?.length ?? 0) >= 8);
    // The window: the hub waits for confirmations before sending more.
    let held = device.received(id).length;
    while (held < size) {
      await device.report({ deployment_id: id, state: 'receiving', next_offset: held });
      await waitStatus(admin, id, () => device.received(id).length > held || device.received(id).length === size);
      held = device.received(id).length;
    }
    expect(createHash('sha256').update(device.received(id)).digest('hex')).toBe(manifest.package!.sha256);
    expect(device.chunks.get(id)?.at(-1)?.last).toBe(true);

    await device.report({ deployment_id: id, state: 'health_check' });
    await waitStatus(admin, id, (d) => d.status_detail?.includes('health') === true);
    await device.report({ deployment_id: id, state: 'deployed', health: { score: manifest.health!.expected_score, expected: manifest.health!.expected_score, runtime: 'onnxruntime-node' }, current: { deployment_id: id, model_id: modelId, model_version: 'v1' } });
    const done = await waitStatus(admin, id, (d) => d.status === 'deployed');
    expect(done).toMatchObject({ error: null, health: { runtime: 'onnxruntime-node' }, transfer: { bytes_acked: size, bytes_total: size } });
    const view = (await (await t.request('GET', `/api/v1/deployments/targets/${target.id}`, { token: admin })).json()) as Target;
    expect(view).toMatchObject({ current_model: modelId, current_model_version: 'v1' });
    // The model is in use now.
    expect((await t.request('DELETE', `/api/v1/models/${modelId}`, { token: admin })).status).toBe(409);
    const metrics = (await (await t.request('GET', '/api/v1/system/metrics', { token: admin })).json()) as { total_deployments: number };
    expect(metrics.total_deployments).toBeGreaterThanOrEqual(1);
    await device.disconnect();
  }, 120_000);

  it('carries the target\'s point map and the full rule settings beside the model, unless the rules are turned off', async () => {
    const created = await t.request('POST', '/api/v1/deployments/targets', { token: admin, json: { name: 'Mapped AHU', arch: 'x64' } });
    const { enrollment_token, id: targetId } = (await created.json()) as { enrollment_token: string; id: string };
    const points = [['SAT', 'sat'], ['MAT', 'mat'], ['RAT', 'rat'], ['OAT', 'oat'], ['OA_DMPR', 'oa_damper'], ['CHW_VLV', 'cool_valve'], ['HW_VLV', 'heat_valve'], ['SF', 'fan_status']]
      .map(([column, input]) => ({ column, brick_class: null, input, unit: input === 'fan_status' ? 'binary' : input!.endsWith('t') ? 'F' : 'percent' }));
    expect((await t.request('PUT', `/api/v1/deployments/targets/${targetId}/points`, { token: admin, json: { points } })).status).toBe(200);
    const enrolled = await t.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token, agent_version: '0.1.0', arch: 'x64' } });
    const device = scriptedDevice(mqttUrl, { ...((await enrolled.json()) as EnrollResponse) });
    await device.connect();
    const withRules = (await (await post(admin, { model_id: modelId, target_id: targetId, rules: { settings: { eps_mat: 6 } } })).json()) as { id: string };
    const ready = await waitStatus(admin, withRules.id, (d) => d.status === 'transferring' && device.commands.some((c) => c.deployment_id === withRules.id));
    expect(device.manifest(withRules.id).rules).toEqual({ points: points.map(({ column, input, unit }) => ({ column, input, unit })), settings: expect.objectContaining({ eps_mat: 6, eps_sat: 2, min_oa_fraction: null }) });
    expect(ready.rules).toMatchObject({ points: 8, settings: { eps_mat: 6 } });
    const off = (await (await post(admin, { model_id: modelId, target_id: targetId, rules: { enabled: false } })).json()) as { id: string };
    await waitStatus(admin, off.id, (d) => d.status === 'transferring' && device.commands.some((c) => c.deployment_id === off.id));
    expect(device.manifest(off.id).rules).toBeUndefined();
    await device.disconnect();
  });

  it('waits for an offline target and proceeds when it connects; a failure report fails it with the reason', async () => {
    const target = await enrollTarget(t, admin, { name: 'Offline box', arch: 'x64' });
    const id = ((await (await post(admin, { model_id: modelId, target_id: target.id })).json()) as { id: string }).id;
    // The packaging step's detail stays until the transfer finds the target offline and says so.
    const waiting = await waitStatus(admin, id, (d) => d.status === 'transferring' && (d.status_detail ?? '').includes('waiting for the target'));
    expect(waiting.transfer?.target_online).toBe(false);
    const device = scriptedDevice(mqttUrl, target);
    await device.connect();
    await device.report({ deployment_id: null, state: 'idle', resume: true });
    await waitStatus(admin, id, () => device.commands.some((c) => c.deployment_id === id));
    await device.report({ deployment_id: id, state: 'failed', reason: 'package sha256 does not match the signed manifest; kept nothing' });
    const failed = await waitStatus(admin, id, (d) => d.status === 'failed');
    expect(failed.error).toContain('sha256');
    await device.disconnect();
  }, 60_000);
});

describe('tier limit, hand-over and the binary', () => {
  it('enforces max_deployments per owner, counting a target\'s replacement as one', async () => {
    const op = await t.userWithRole('operator');
    await setTier(t, op.username, 'free');
    const ds = await validatedDataset(t, op.token, sensorCsv({ rows: 200 }), 'Op data');
    const model = (await trainToEnd(t, op.token, { dataset_id: ds.id, architecture: 'lstm_autoencoder', hyperparameters: TINY })).model_id as string;
    const a = await enrollTarget(t, op.token, { name: 'Op A', arch: 'x64' });
    const b = await enrollTarget(t, op.token, { name: 'Op B', arch: 'x64' });
    expect((await post(op.token, { model_id: model, target_id: a.id })).status).toBe(201);
    const refused = await post(op.token, { model_id: model, target_id: b.id });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'TIER_LIMIT' });
    const again = await post(op.token, { model_id: model, target_id: a.id });
    expect(again.status).toBe(201);
    const usage = (await (await t.request('GET', '/api/v1/billing/usage', { token: op.token })).json()) as { deployments_count: number };
    expect(usage.deployments_count).toBe(1);
    // The first one was superseded by the second before it was deployed.
    const mine = (await (await t.request('GET', '/api/v1/deployments', { token: op.token })).json()) as { id: string; status: string; error: string | null }[];
    expect(mine).toHaveLength(2);
    expect(mine[1]).toMatchObject({ status: 'failed' });
    expect(mine[1]?.error).toContain('superseded');
    // Another operator sees none of them; deleting the operator hands them to the admin.
    const other = await t.userWithRole('operator');
    expect(await (await t.request('GET', '/api/v1/deployments', { token: other.token })).json()).toEqual([]);
    expect((await t.request('GET', `/api/v1/deployments/${mine[0]?.id}`, { token: other.token })).status).toBe(404);
    expect((await t.request('DELETE', `/api/v1/admin/users/${op.username}`, { token: admin })).status).toBe(204);
    const adminUser = await t.hub.services.usersRepo.findByUsername('admin');
    const repo = createDeploymentsRepo(t.hub.store.db);
    for (const d of mine) expect((await repo.findById(d.id))?.ownerId).toBe(adminUser?.id);
  }, 180_000);

  it('serves each target\'s architecture (armv7, arm64, x64) and the files beside it, lists the builds, says how to build when missing', async () => {
    const arm = await enrollTarget(t, admin, { name: 'ARM box', arch: 'armv7' });
    const arm64 = await enrollTarget(t, admin, { name: 'ARM64 box', arch: 'aarch64' });
    const x64 = await enrollTarget(t, admin, { name: 'PC box', arch: 'x64' });
    const odd = await enrollTarget(t, admin, { name: 'MIPS box', arch: 'mips' });
    const deploy = async (id: string) => ((await (await post(admin, { model_id: modelId, target_id: id })).json()) as { id: string }).id;
    const [armDep, arm64Dep, x64Dep, oddDep] = [await deploy(arm.id), await deploy(arm64.id), await deploy(x64.id), await deploy(odd.id)];
    const binary = (dep: string | undefined, query = '') => t.request('GET', `/api/v1/deployments/${dep}/binary${query}`, { token: admin });
    const releases = async (token = admin) => (await (await t.request('GET', '/api/v1/edge/releases', { token })).json()) as unknown[];
    const missing = await binary(arm64Dep);
    expect(missing.status).toBe(503);
    expect(((await missing.json()) as { details: string }).details).toContain('npm run build:edge -- --arch arm64');
    expect(await releases()).toEqual([]);

    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    // armv7 as the armv7-only toolchain left it (plain addon name, no arch in the manifest); the others as now.
    const builds = {
      armv7: { 'prometheus-edge-linux-armv7': 'ELF-ish', 'better_sqlite3.node': 'addon', 'ort-wasm-simd-threaded.wasm': '\0asm' },
      arm64: { 'prometheus-edge-linux-arm64': 'ELF aarch64', 'better_sqlite3-linux-arm64.node': 'addon64', 'ort-wasm-simd-threaded.wasm': '\0asm' },
      x64: { 'prometheus-edge-linux-x64': 'ELF x86-64!', 'better_sqlite3-linux-x64.node': 'addonx', 'ort-wasm-simd-threaded.wasm': '\0asm' },
    };
    for (const [arch, files] of Object.entries(builds)) {
      for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(buildDir, name), content);
      fs.writeFileSync(path.join(buildDir, `prometheus-edge-linux-${arch}.manifest.json`), JSON.stringify({
        ...(arch === 'armv7' ? {} : { arch }), executable: `prometheus-edge-linux-${arch}`, version: '0.1.0', node: '20.11.0',
        files: Object.fromEntries(Object.entries(files).map(([n, c]) => [n, sha(c)])),
      }));
    }
    for (const [dep, arch] of [[armDep, 'armv7'], [arm64Dep, 'arm64'], [x64Dep, 'x64']] as const) {
      const exe = await binary(dep);
      expect(exe.status).toBe(200);
      expect(exe.headers.get('content-disposition')).toContain(`prometheus-edge-linux-${arch}"`);
      const content = Object.values(builds[arch])[0]!;
      expect(exe.headers.get('x-content-sha256')).toBe(sha(content));
      expect(await exe.text()).toBe(content);
      const addon = await binary(dep, '?file=addon');
      expect(await addon.text()).toBe(Object.values(builds[arch])[1]);
    }
    expect(await (await binary(armDep, '?file=wasm')).text()).toBe('\0asm');
    expect((await binary(armDep, '?file=nope')).status).toBe(400);
    const refused = await binary(oddDep);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { details: string }).details).toContain('mips');
    const list = (await (await t.request('GET', '/api/v1/deployments', { token: admin })).json()) as { id: string; binary_size_bytes: number | null }[];
    expect(list.find((d) => d.id === armDep)?.binary_size_bytes).toBe(7);
    expect(list.find((d) => d.id === arm64Dep)?.binary_size_bytes).toBe(11);
    expect(list.find((d) => d.id === oddDep)?.binary_size_bytes).toBeNull();

    // Any signed-in user reads the list; only what is built is listed (x64's executable removed: gone from it).
    const viewer = await t.userWithRole('viewer');
    expect(await releases(viewer.token)).toEqual([
      { arch: 'armv7', version: '0.1.0', sha256: sha('ELF-ish'), size_bytes: 7 },
      { arch: 'arm64', version: '0.1.0', sha256: sha('ELF aarch64'), size_bytes: 11 },
      { arch: 'x64', version: '0.1.0', sha256: sha('ELF x86-64!'), size_bytes: 11 },
    ]);
    fs.rmSync(path.join(buildDir, 'prometheus-edge-linux-x64'));
    expect(((await releases(viewer.token)) as { arch: string }[]).map((r) => r.arch)).toEqual(['armv7', 'arm64']);
    expect((await binary(x64Dep)).status).toBe(503);
    expect((await t.request('GET', '/api/v1/edge/releases')).status).toBe(401);
  }, 60_000);
});
