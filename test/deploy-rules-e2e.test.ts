import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAegisDbFake, type AegisDbFake } from './fakes/index.js';
import {
  adminToken, agentCommand, agentSpec, api, enrollAgent, hubSpec, killAll, removeTempDirs, startAgent, startHub, target, waitFor, type HubProc,
} from './edge-link/harness.js';
import { deploy, settled, START, STEP_MS } from './deploy/harness.js';

// Guideline 36 rules at the edge, end to end with real processes: the hub (embedded broker) and the x64 agent
// against the Aegis-DB double. The target's sensors are mapped, a rules-only deployment (no model) goes out, the
// agent runs the rules on its live readings, and a heating valve leaking in cooling raises an FC12 alert naming
// the family and the evidence over MQTT, stored by the hub, and cleared when the supply air comes back.
let hub: HubProc;
let token: string;
let db: AegisDbFake;

beforeAll(async () => {
  hub = await startHub(await hubSpec());
  token = await adminToken(hub.url);
  db = await startAegisDbFake({ mode: 'new', token: 'aegis-secret' });
});
afterAll(async () => {
  await killAll();
  await db?.close();
  removeTempDirs();
});

/** Mechanical cooling at minimum outdoor air, one document per 15 s; a leaking heating valve warms the supply air. */
function coolingSamples(from: number, to: number, leak = false): Record<string, unknown>[] {
  return Array.from({ length: to - from }, (_, i) => ({
    timestamp: new Date(START + (from + i) * STEP_MS).toISOString(), sample_no: from + i,
    SA_TEMP: leak ? 90 : 55, MA_TEMP: 78, RA_TEMP: 75, OA_TEMP: 90, SAT_SP: 55, OA_DMPR: 20, CHW_VLV: 60, HW_VLV: 0, SF_STATUS: 1,
  }));
}

const POINTS = [
  ['SA_TEMP', 'sat', 'F'], ['MA_TEMP', 'mat', 'F'], ['RA_TEMP', 'rat', 'F'], ['OA_TEMP', 'oat', 'F'], ['SAT_SP', 'sat_sp', 'F'],
  ['OA_DMPR', 'oa_damper', 'percent'], ['CHW_VLV', 'cool_valve', 'percent'], ['HW_VLV', 'heat_valve', 'percent'], ['SF_STATUS', 'fan_status', 'binary'],
].map(([column, input, unit]) => ({ column, brick_class: null, input, unit }));

interface RuleAlert {
  state: string;
  kind: string;
  model_id: string | null;
  raised_at: string;
  rule: { fault_condition: string; family: string; operating_state: string; evidence: string[]; since: string } | null;
}
const alerts = async (targetId: string) => (await api<RuleAlert[]>(hub.url, 'GET', `/api/v1/deployments/targets/${targetId}/alerts`, token)).body;

describe('rules at the edge (x64 agent, rules-only deployment)', () => {
  it('raises an FC12 alert naming the heating valve over MQTT, stores it at the hub and clears it', async () => {
    db.insert('hardware_metrics', coolingSamples(0, 40));
    const spec = agentSpec({ source: { kind: 'aegis', token: 'aegis-secret', page_size: 500 }, inference: { batch_ms: 200 } });
    const id = await enrollAgent(hub.url, token, spec, 'Rules AHU');
    const agent = startAgent(spec, ['--aegis-url', db.url]);
    const t = await waitFor('telemetry stored', async () => {
      const v = await target(hub.url, token, id);
      return v.readings_stored >= 40 && v.dataset_id ? v : undefined;
    }, 90_000);
    // The journal hands readings to the edge dataset in the background; the map names its columns.
    await waitFor('dataset rows', async () => ((await api<{ row_count: number }>(hub.url, 'GET', `/api/v1/datasets/${t.dataset_id}`, token)).body.row_count >= 40), 60_000, 250);
    const put = await api(hub.url, 'PUT', `/api/v1/deployments/targets/${id}/points`, token, { points: POINTS });
    expect(put.status, JSON.stringify(put.body)).toBe(200);

    const depId = await deploy(hub.url, token, { target_id: id, rules: { settings: { min_oa_fraction: 0.2 } } });
    const done = await settled(hub.url, token, depId, 60_000);
    expect(done, JSON.stringify(done.steps)).toMatchObject({ status: 'deployed', error: null, health: null });
    expect(done.steps.map((s) => s.status)).toEqual(['compiling', 'packaging', 'transferring', 'deployed']);

    // 40 minutes of healthy cooling (past the mode delay), then 45 minutes of the leak (past the 30-minute alarm delay).
    db.insert('hardware_metrics', [...coolingSamples(40, 200), ...coolingSamples(200, 380, true)]);
    const [raised, ...more] = await waitFor('the rule alert at the hub', async () => {
      const a = await alerts(id);
      return a.length > 0 ? a : undefined;
    }, 60_000);
    expect(more).toEqual([]);
    expect(raised).toMatchObject({ state: 'raised', kind: 'rule', model_id: null, rule: { fault_condition: 'FC12', family: 'heating_valve', operating_state: 'OS4' } });
    expect(raised!.rule!.evidence[0]).toMatch(/heating valve/);
    expect(Date.parse(raised!.rule!.since)).toBeGreaterThanOrEqual(START + 200 * STEP_MS);
    expect(Date.parse(raised!.raised_at) - Date.parse(raised!.rule!.since)).toBeGreaterThanOrEqual(30 * 60_000);
    expect(agent.lines.some((l) => l.includes('rules active without a model'))).toBe(true);

    db.insert('hardware_metrics', coolingSamples(380, 420));
    const cleared = await waitFor('the rule alert clears', async () => {
      const a = await alerts(id);
      return a[0]?.state === 'cleared' ? a : undefined;
    }, 60_000);
    expect(cleared).toHaveLength(1);

    // The installed rules-only deployment is what the agent reloads after a restart; its rules run again.
    expect(await agent.stop()).toBe(0);
    const status = JSON.parse((await agentCommand(['status', '--state-dir', spec.stateDir, '--config', spec.configFile])).out) as { model: unknown };
    expect(status.model).toMatchObject({ deployment_id: depId, model_id: null, complete: true });
    const again = startAgent(spec, ['--aegis-url', db.url]);
    await waitFor('the rules reloaded', () => again.lines.some((l) => l.includes('rules active without a model')), 60_000);
    db.insert('hardware_metrics', [...coolingSamples(420, 580), ...coolingSamples(580, 760, true)]);
    const twice = await waitFor('a second rule alert after the restart', async () => {
      const a = await alerts(id);
      return a.length === 2 ? a : undefined;
    }, 60_000);
    expect(twice[0]).toMatchObject({ state: 'raised', rule: { fault_condition: 'FC12' } });
    expect(Date.parse(twice[0]!.rule!.since)).toBeGreaterThanOrEqual(START + 580 * STEP_MS);
  }, 300_000);
});
