import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAegisDbFake, type AegisDbFake } from './fakes/index.js';
import { adminToken, agentSpec, api, hubSpec, killAll, removeTempDirs, startHub, target, waitFor, type HubProc } from './edge-link/harness.js';
import { ahuSamples, alerts, deploy, scores, settled, trainOnTelemetry } from './deploy/harness.js';
import { edgeExecutable, ensureEdgeBuild, runEdge, type Armv7Proc } from './deploy/armv7.js';

// The deployment flow with the REAL armv7 single executable under qemu-arm (built by `npm run
// build:edge-armv7` when stale) as the agent, the hub as a process, the Aegis-DB double as the controller's
// database. The executable scores with its JavaScript evaluator by default; a second deployment after a
// restart with `inference.runtime: onnxruntime-web` covers the wasm runtime, which creates its session in
// ~30 s under emulation. Lean on purpose: a handful of windows, one alert.
let hub: HubProc;
let token: string;
let db: AegisDbFake;
let agent: Armv7Proc | undefined;

beforeAll(async () => {
  ensureEdgeBuild();
  hub = await startHub(await hubSpec());
  token = await adminToken(hub.url);
  db = await startAegisDbFake({ mode: 'new', token: 'aegis-secret' });
}, 25 * 60_000);
afterAll(async () => {
  await agent?.kill();
  await killAll();
  await db?.close();
  removeTempDirs();
});

describe('deployment to the armv7 executable under qemu', () => {
  it('enrolls, syncs, gets a model trained on its telemetry, reports deployed, sends scores and raises an alert', async () => {
    db.insert('hardware_metrics', ahuSamples(0, 360));
    const spec = agentSpec({ source: { kind: 'aegis', token: 'aegis-secret', page_size: 500 }, inference: { batch_ms: 200 }, heartbeat_s: 5 });
    const created = await api<{ id: string; enrollment_token: string }>(hub.url, 'POST', '/api/v1/deployments/targets', token, { name: 'ARM AHU' });
    const enroll = runEdge(['enroll', '--hub', hub.url, '--token', created.body.enrollment_token, '--state-dir', spec.stateDir, '--config', spec.configFile]);
    expect(await enroll.exited, enroll.lines.join('\n')).toBe(0);
    const id = created.body.id;
    agent = runEdge(['run', '--state-dir', spec.stateDir, '--config', spec.configFile, '--aegis-url', db.url]);
    const t = await waitFor('telemetry from the armv7 agent', async () => {
      const v = await target(hub.url, token, id);
      return v.readings_stored >= 360 && v.dataset_id ? v : undefined;
    }, 180_000, 500);
    expect((await api<{ arch: string; agent_version: string }>(hub.url, 'GET', `/api/v1/deployments/targets/${id}`, token)).body).toMatchObject({ arch: 'arm', agent_version: '0.1.0' });

    const modelId = await trainOnTelemetry(hub.url, token, t.dataset_id!, 360);
    const depId = await deploy(hub.url, token, { model_id: modelId, target_id: id });
    const done = await settled(hub.url, token, depId, 300_000);
    expect(done, `${JSON.stringify(done.steps)}\n${agent.lines.slice(-30).join('\n')}`).toMatchObject({ status: 'deployed', health: { runtime: 'onnx-js' } });
    expect(done.steps[1]?.detail).toContain('onnx-js (target armv7)');

    // Normal readings, then a stuck heating valve: scores arrive, one alert is raised.
    db.insert('hardware_metrics', [...ahuSamples(360, 375), ...ahuSamples(375, 390, { from: 375, offset: 25 })]);
    const raised = await waitFor('an alert from the armv7 agent', async () => {
      const a = await alerts(hub.url, token, id);
      return a.length > 0 ? a : undefined;
    }, 240_000, 1000);
    expect(raised[0]).toMatchObject({ state: 'raised' });
    const s = await scores(hub.url, token, id);
    expect(s.scores.length).toBeGreaterThanOrEqual(5);
    expect(s.scores.some((x) => !x.anomaly) && s.scores.some((x) => x.anomaly)).toBe(true);
    expect((await api<{ current_model: string }>(hub.url, 'GET', `/api/v1/deployments/targets/${id}`, token)).body.current_model).toBe(modelId);

    // The hub serves this executable for the deployment's (armv7) target.
    const res = await fetch(`${hub.url}/api/v1/deployments/${depId}/binary`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(readFileSync(edgeExecutable).length);
    expect(createHash('sha256').update(body).digest('hex')).toBe(res.headers.get('x-content-sha256'));
    expect(await agent.stop()).toBe(0);

    // The same agent told to use onnxruntime-web's wasm (shipped beside the executable): it restarts on the
    // installed model, and a second deployment replaces the first and passes its health check in that runtime.
    const config = JSON.parse(readFileSync(spec.configFile, 'utf8')) as Record<string, Record<string, unknown>>;
    writeFileSync(spec.configFile, JSON.stringify({ ...config, inference: { ...config.inference, runtime: 'onnxruntime-web' } }));
    agent = runEdge(['run', '--state-dir', spec.stateDir, '--config', spec.configFile, '--aegis-url', db.url]);
    const again = await settled(hub.url, token, await deploy(hub.url, token, { model_id: modelId, target_id: id }), 300_000);
    expect(again, `${JSON.stringify(again.steps)}\n${agent.lines.slice(-30).join('\n')}`).toMatchObject({ status: 'deployed', health: { runtime: 'onnxruntime-web' } });
    expect(await agent.stop()).toBe(0);
  }, 20 * 60_000);
});
