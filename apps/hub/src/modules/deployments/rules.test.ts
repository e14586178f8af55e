import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDetail, EdgeAlert, EnrollResponse, InferenceMessage } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { enrollTarget, scriptedDevice } from '../../test/deployment-agent.js';
import { setTier } from '../../test/training.js';

// Rules at the edge, the hub's side: the request's rules (validated, defaulted from the target's point map), a
// rules-only deployment (no model: a signed manifest with the map and the full settings, nothing to transfer), and
// the agent's rule alerts stored with their condition, family and evidence, listed and cleared.
let t: TestHub;
let admin: string;
let mqttUrl: string;

beforeAll(async () => {
  t = await createTestHub();
  await t.hub.start();
  mqttUrl = `mqtt://127.0.0.1:${t.hub.services.broker.port()}`;
  admin = await t.adminToken();
  await setTier(t, 'admin', 'enterprise');
});
afterAll(async () => {
  await t?.close();
});

const AHU_POINTS = [
  { column: 'SA_TEMP', brick_class: 'Supply_Air_Temperature_Sensor', input: 'sat', unit: 'C' },
  { column: 'MA_TEMP', brick_class: null, input: 'mat', unit: 'C' },
  { column: 'RA_TEMP', brick_class: null, input: 'rat', unit: 'C' },
  { column: 'OA_TEMP', brick_class: null, input: 'oat', unit: 'C' },
  { column: 'OA_DMPR', brick_class: null, input: 'oa_damper', unit: 'percent' },
  { column: 'CHW_VLV', brick_class: null, input: 'cool_valve', unit: 'percent' },
  { column: 'HW_VLV', brick_class: null, input: 'heat_valve', unit: 'percent' },
  { column: 'SF_STATUS', brick_class: null, input: 'fan_status', unit: 'binary' },
  { column: 'ZONE_NOTE', brick_class: null, input: null, unit: null },
];

const post = (body: unknown) => t.request('POST', '/api/v1/deployments', { token: admin, json: body });
const detail = async (id: string) => (await (await t.request('GET', `/api/v1/deployments/${id}`, { token: admin })).json()) as DeploymentDetail;
const alerts = async (targetId: string) => (await (await t.request('GET', `/api/v1/deployments/targets/${targetId}/alerts`, { token: admin })).json()) as EdgeAlert[];

async function until<T>(what: string, get: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await t.request('GET', '/api/v1/deployments', { token: admin }).then((r) => r.json()))}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A target whose sensors are mapped before it enrolls (then the names are taken as given). */
async function mappedTarget(name: string): Promise<EnrollResponse & { id: string }> {
  const created = await t.request('POST', '/api/v1/deployments/targets', { token: admin, json: { name, arch: 'x64' } });
  const { enrollment_token, id } = (await created.json()) as { enrollment_token: string; id: string };
  const put = await t.request('PUT', `/api/v1/deployments/targets/${id}/points`, { token: admin, json: { points: AHU_POINTS } });
  expect(put.status, await put.text()).toBe(200);
  const res = await t.request('POST', '/api/v1/deployments/targets/enroll', { json: { enrollment_token, agent_version: '0.1.0', arch: 'x64' } });
  expect(res.status).toBe(201);
  return { ...((await res.json()) as EnrollResponse), id };
}

describe('deployment requests with rules', () => {
  it('validates the rules: settings by field, a map the rules cannot run on, a rules-only request needing rules', async () => {
    const mapped = await mappedTarget('Rules box');
    const bare = await enrollTarget(t, admin, { name: 'Bare box', arch: 'x64' });
    const cases: [unknown, string][] = [
      [{ target_id: mapped.id, rules: { settings: { eps_sat: -1 } } }, "'rules.settings.eps_sat'"],
      [{ target_id: mapped.id, rules: { settings: { eps_nonsense: 1 } } }, "'rules.settings.eps_nonsense' unknown setting"],
      [{ target_id: mapped.id, rules: { enabled: 'yes' } }, 'rules.enabled'],
      [{ target_id: mapped.id }, 'model_id'],
      [{ target_id: mapped.id, rules: { enabled: false } }, 'model_id'],
      [{ target_id: mapped.id, rules: {}, alerts: { raise_windows: 2 } }, "'alerts' needs a model"],
      [{ target_id: bare.id, rules: {} }, "'rules' cannot run"],
    ];
    for (const [body, says] of cases) {
      const res = await post(body);
      const text = await res.text();
      expect(res.status, text).toBe(400);
      expect(text).toContain(says);
    }
    const none = await post({ target_id: bare.id, rules: {} });
    expect(((await none.json()) as { details: string }).details).toContain('no sensor an AFDD input');
    expect((await t.request('GET', '/api/v1/deployments', { token: admin }).then((r) => r.json()) as unknown[]).length).toBe(0);
  });
});

describe('a rules-only deployment', () => {
  it('packages the map and the full settings in a signed manifest with no model, and is deployed on the agent\'s word', async () => {
    const target = await mappedTarget('Rules only AHU');
    const device = scriptedDevice(mqttUrl, target);
    await device.connect();
    const created = await post({ target_id: target.id, rules: { settings: { min_oa_fraction: 0.2, alarm_delay_minutes: 10 } } });
    expect(created.status).toBe(201);
    const { id, model_id } = (await created.json()) as { id: string; model_id: string | null };
    expect(model_id).toBeNull();
    const ready = await until('the manifest', async () => (device.commands.some((c) => c.deployment_id === id) ? detail(id) : undefined));
    expect(ready.steps.map((s) => s.status)).toEqual(['compiling', 'packaging', 'transferring']);
    const manifest = device.manifest(id);
    expect(manifest).toMatchObject({ model_id: null, package: null, model: null, alerts: null, health: null });
    expect(manifest.rules?.points).toEqual(AHU_POINTS.filter((p) => p.input).map(({ column, input, unit }) => ({ column, input, unit })));
    expect(manifest.rules?.settings).toMatchObject({ min_oa_fraction: 0.2, alarm_delay_minutes: 10, eps_sat: 2, mode_delay_minutes: 30 });

    await device.report({ deployment_id: id, state: 'health_check' });
    await device.report({ deployment_id: id, state: 'deployed', current: { deployment_id: id, model_id: null, model_version: 'v1' } });
    const done = await until('deployed', async () => {
      const d = await detail(id);
      return d.status === 'deployed' ? d : undefined;
    });
    expect(done).toMatchObject({ model_id: null, alerts: null, package: null, health: null, rules: { points: 8, settings: { min_oa_fraction: 0.2 } } });
    expect(done.rules?.inputs).toContain('cool_valve');
    expect(device.chunks.get(id)).toBeUndefined();

    // The agent's rule alert: stored with what it names, listed, cleared by the same id; a late `raised` never reopens it.
    const alert = {
      id: `${id}-FC12-1780000000000`, fault_condition: 'FC12', family: 'heating_valve', operating_state: 'OS4', since: '2026-05-28T19:56:40.000Z',
      evidence: ['Supply air (90.0 F) is warmer than mixed air (78.0 F) with the cooling valve open: the heating valve most likely leaks.'],
      raised_at: 1_780_000_000_000, message: 'Rules only AHU: FC12 (heating_valve)',
    };
    const raised: InferenceMessage = { v: 1, kind: 'rule_alert', seq: 1, deployment_id: id, model_id: null, alert: { ...alert, state: 'raised', cleared_at: null } };
    await device.inference(raised);
    const [stored] = await until('the rule alert', async () => ((await alerts(target.id)).length > 0 ? alerts(target.id) : undefined));
    expect(stored).toMatchObject({
      kind: 'rule', state: 'raised', model_id: null, deployment_id: id, peak_score: null, threshold: null, cleared_at: null,
      rule: { fault_condition: 'FC12', family: 'heating_valve', operating_state: 'OS4', since: '2026-05-28T19:56:40Z', evidence: alert.evidence },
    });
    await device.inference({ ...raised, seq: 2, alert: { ...raised.alert, state: 'cleared', cleared_at: 1_780_000_600_000 } } as InferenceMessage);
    const cleared = await until('cleared', async () => ((await alerts(target.id))[0]?.state === 'cleared' ? alerts(target.id) : undefined));
    expect(cleared).toHaveLength(1);
    expect(cleared[0]).toMatchObject({ state: 'cleared', cleared_at: '2026-05-28T20:36:40Z', rule: { fault_condition: 'FC12' } });
    await device.inference({ ...raised, seq: 3 });
    await new Promise((r) => setTimeout(r, 300));
    expect((await alerts(target.id))[0]?.state).toBe('cleared');
    await device.disconnect();
  });
});
