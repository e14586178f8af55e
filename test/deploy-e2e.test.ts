import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAegisDbFake, type AegisDbFake } from './fakes/index.js';
import {
  adminToken, agentCommand, agentSpec, api, enrollAgent, hubSpec, killAll, removeTempDirs, startAgent, startHub, target, waitFor, type HubProc,
  type HubSpec,
} from './edge-link/harness.js';
import { ahuSamples, alerts, deploy, scores, settled, STEP_MS, START, trainOnTelemetry } from './deploy/harness.js';

// The everyday deployment flow, end to end with real processes: the hub (embedded broker) and the x64 agent
// under plain Node against the Aegis-DB double. Enroll, telemetry arrives, a model trained on that telemetry
// through the API is deployed, the agent verifies/installs/health-checks it and reports `deployed`, scores
// of live windows arrive, and a fault injected into the Aegis-DB data raises an alert at the hub.
let hubAt: HubSpec;
let hub: HubProc;
let token: string;
let db: AegisDbFake;

beforeAll(async () => {
  hubAt = await hubSpec();
  hub = await startHub(hubAt);
  token = await adminToken(hub.url);
  db = await startAegisDbFake({ mode: 'new', token: 'aegis-secret' });
});
afterAll(async () => {
  await killAll();
  await db?.close();
  removeTempDirs();
});

describe('deployment end to end (x64 agent)', () => {
  it('deploys a model trained on the target\'s telemetry; scores arrive and an injected fault raises an alert', async () => {
    db.insert('hardware_metrics', ahuSamples(0, 600));
    const spec = agentSpec({ source: { kind: 'aegis', token: 'aegis-secret', page_size: 500 }, inference: { batch_ms: 200 } });
    const id = await enrollAgent(hub.url, token, spec, 'Warren AHU-1');
    const agent = startAgent(spec, ['--aegis-url', db.url]);
    const t = await waitFor('telemetry stored', async () => {
      const v = await target(hub.url, token, id);
      return v.readings_stored >= 600 && v.dataset_id ? v : undefined;
    }, 90_000);

    const modelId = await trainOnTelemetry(hub.url, token, t.dataset_id!, 600);
    const depId = await deploy(hub.url, token, { model_id: modelId, target_name: 'Warren AHU-1' });
    const done = await settled(hub.url, token, depId);
    expect(done, JSON.stringify(done.steps)).toMatchObject({ status: 'deployed', error: null, model_version: 'v1' });
    expect(done.steps.map((s) => s.status)).toEqual(['compiling', 'quantizing', 'packaging', 'transferring', 'deployed']);
    expect(done.health?.runtime).toBe('onnxruntime-node');
    expect(Math.abs(done.health!.score - done.health!.expected)).toBeLessThanOrEqual(1e-3 * Math.abs(done.health!.expected) + 1e-4);
    expect(done.transfer).toMatchObject({ bytes_acked: done.transfer!.bytes_total });

    const targets = (await api<{ id: string; current_model: string | null; current_model_version: string | null }[]>(hub.url, 'GET', '/api/v1/deployments/targets', token)).body;
    expect(targets.find((x) => x.id === id)).toMatchObject({ current_model: modelId, current_model_version: 'v1' });

    // Normal readings: scored, below the threshold, no alert.
    db.insert('hardware_metrics', ahuSamples(600, 660));
    const normal = await waitFor('scores of normal windows', async () => {
      const s = await scores(hub.url, token, id);
      return s.scores.length >= 40 ? s : undefined;
    }, 60_000);
    expect(normal.threshold).toBeGreaterThan(0);
    const latest = normal.scores.filter((s) => Date.parse(s.ts) >= START + 620 * STEP_MS);
    expect(latest.filter((s) => s.anomaly).length).toBeLessThanOrEqual(2);
    expect(await alerts(hub.url, token, id)).toEqual([]);

    // A stuck heating valve: supply air 25 F high.
    db.insert('hardware_metrics', ahuSamples(660, 700, { from: 660, offset: 25 }));
    const raised = await waitFor('an alert at the hub', async () => {
      const a = await alerts(hub.url, token, id);
      return a.length > 0 ? a : undefined;
    }, 60_000);
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ state: 'raised' });
    expect(raised[0]!.peak_score).toBeGreaterThan(raised[0]!.threshold);
    expect(Date.parse(raised[0]!.raised_at)).toBeGreaterThanOrEqual(START + 660 * STEP_MS);

    // Back to normal: the alert clears (hysteresis: a few windows below the lower level).
    db.insert('hardware_metrics', ahuSamples(700, 760));
    await waitFor('the alert clears', async () => (await alerts(hub.url, token, id))[0]?.state === 'cleared', 60_000);

    // Offline: the hub is down, the fault comes back; the agent raises the alert alone and keeps it queued.
    expect(await hub.stop()).toBe(0);
    db.insert('hardware_metrics', ahuSamples(760, 800, { from: 760, offset: 25 }));
    await waitFor('the agent raises the alert offline', () => agent.lines.filter((l) => l.includes('"alert raised"')).length >= 2, 60_000);
    hub = await startHub(hubAt);
    const both = await waitFor('the offline alert at the hub', async () => {
      const a = await alerts(hub.url, token, id);
      return a.length === 2 ? a : undefined;
    }, 60_000);
    expect(Date.parse(both[0]!.raised_at)).toBeGreaterThanOrEqual(START + 760 * STEP_MS);
    expect(both[0]).toMatchObject({ state: 'raised' });

    expect(await agent.stop()).toBe(0);
    const status = JSON.parse((await agentCommand(['status', '--state-dir', spec.stateDir, '--config', spec.configFile])).out) as { model: unknown };
    expect(status.model).toMatchObject({ deployment_id: depId, model_id: modelId, model_version: 'v1', complete: true });
  }, 600_000);
});
