import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAegisDbFake, type AegisDbFake } from './fakes/index.js';
import { adminToken, agentSpec, api, enrollAgent, hubSpec, killAll, removeTempDirs, startAgent, startHub, target, waitFor, type HubProc } from './edge-link/harness.js';
import { ahuSamples, alerts, deploy, deployment, settled, START, STEP_MS, TINY_AE, trainOnTelemetry } from './deploy/harness.js';

// Shadow models and drift, end to end with real processes: the hub (embedded broker), the x64 agent under Node
// and the Aegis-DB double. A live model and a shadow candidate (both trained through the API on the target's
// telemetry) score the same windows; the hub reports their agreement; promotion switches them and promoting the
// old one rolls back. The agent sends hourly histograms (never the readings): unshifted hours raise no drift,
// an hour with supply air 4 F high raises a drift alert naming supply_temp and no other feature.
// Readings are 15 s apart from START (a UTC midnight), so sample 240 k starts hour k.
let hub: HubProc;
let token: string;
let db: AegisDbFake;

interface Drift {
  available: boolean; reason: string | null; threshold: number;
  hours: { hour_start: string; readings: number; windows: number; features: { column: string; psi: number }[]; score_psi: number | null; drifted: string[]; bytes: number }[];
  bandwidth: { days: { day: string; bytes: number; summaries: number }[]; projected_bytes_per_day: number | null };
}
interface Shadow { windows: number; agreement: number | null; score_correlation: number | null; live: { deployment_id: string; alarm_rate: number | null }; shadow: { alarm_rate: number | null } }
interface Promotion { state: string; replaces_deployment_id: string | null }

const HOUR = 240;
const get = async <T>(route: string) => (await api<T>(hub.url, 'GET', route, token)).body;
const hourIso = (k: number) => new Date(START + k * HOUR * STEP_MS).toISOString();

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

describe('shadow models and drift (x64 agent)', () => {
  it('scores with both models, reports agreement, promotes and rolls back; drift only for the shifted feature', async () => {
    db.insert('hardware_metrics', ahuSamples(0, 2 * HOUR));
    const spec = agentSpec({ source: { kind: 'aegis', token: 'aegis-secret', page_size: 500 }, inference: { batch_ms: 200, max_windows_per_poll: 2000 } });
    const id = await enrollAgent(hub.url, token, spec, 'Warren AHU-2');
    startAgent(spec, ['--aegis-url', db.url]);
    const t = await waitFor('telemetry stored', async () => {
      const v = await target(hub.url, token, id);
      return v.readings_stored >= 2 * HOUR && v.dataset_id ? v : undefined;
    }, 90_000);

    const liveModel = await trainOnTelemetry(hub.url, token, t.dataset_id!, 2 * HOUR);
    const candidate = await trainOnTelemetry(hub.url, token, t.dataset_id!, 2 * HOUR, 240_000, { ...TINY_AE, hidden_dim: 6, seed: 7 });
    const live = await deploy(hub.url, token, { model_id: liveModel, target_id: id });
    expect((await settled(hub.url, token, live)).status).toBe('deployed');
    // The candidate (same windows, other weights) is deployed beside the live model, which stays live.
    const shadowRes = await api<{ id: string }>(hub.url, 'POST', '/api/v1/deployments', token, { model_id: candidate, target_id: id, mode: 'shadow' });
    expect(shadowRes.status).toBe(201);
    const shadow = shadowRes.body.id;
    const shadowDone = await settled(hub.url, token, shadow);
    expect(shadowDone, JSON.stringify(shadowDone.steps)).toMatchObject({ status: 'deployed', mode: 'shadow' });
    expect(await deployment(hub.url, token, live)).toMatchObject({ status: 'deployed', mode: 'live' });
    expect((await target(hub.url, token, id)) as unknown).toMatchObject({ current_model: liveModel });
    expect((await api(hub.url, 'POST', `/api/v1/deployments/${live}/promote`, token)).status).toBe(409);

    // Two normal hours (and the first reading of the next, which closes them): both models score every window.
    db.insert('hardware_metrics', ahuSamples(2 * HOUR, 4 * HOUR + 1));
    const report = await waitFor('the shadow comparison', async () => {
      const r = await get<Shadow>(`/api/v1/deployments/${shadow}/shadow`);
      return r.windows >= 2 * HOUR - 20 ? r : undefined;
    }, 120_000, 500);
    expect(report.live.deployment_id).toBe(live);
    expect(report.agreement).toBeGreaterThan(0.8);
    expect(report.score_correlation).not.toBeNull();
    expect(report.live.alarm_rate).toBeLessThan(0.2);
    expect(report.shadow.alarm_rate).not.toBeNull();
    const scored = await get<{ scores: { deployment_id: string }[] }>(`/api/v1/deployments/targets/${id}/scores?limit=10000`);
    expect(new Set(scored.scores.map((s) => s.deployment_id))).toEqual(new Set([live])); // the shadow's scores are not the target's

    const calm = await waitFor('two drift hours', async () => {
      const d = await get<Drift>(`/api/v1/deployments/targets/${id}/drift`);
      return d.hours.length >= 2 ? d : undefined;
    }, 60_000, 500);
    expect(calm).toMatchObject({ available: true, reason: null, threshold: 0.2 });
    expect(calm.hours.map((h) => [Date.parse(h.hour_start), h.readings])).toEqual([[Date.parse(hourIso(2)), HOUR], [Date.parse(hourIso(3)), HOUR]]);
    for (const h of calm.hours) {
      expect(h.features.map((f) => f.column).sort()).toEqual(['fan_speed', 'return_temp', 'supply_temp']);
      expect(h.drifted, JSON.stringify(h)).toEqual([]);
      console.log(`normal hour ${h.hour_start}: ${h.features.map((f) => `${f.column} ${f.psi.toFixed(3)}`).join(', ')}, score ${h.score_psi?.toFixed(3)}; ${h.bytes} bytes`);
      expect(h.windows).toBeGreaterThan(HOUR - 20);
    }
    // (the tiny live model may raise an anomaly alert on normal windows now and then: that is not drift)
    expect(await alerts(hub.url, token, id, 'drift')).toEqual([]);

    // An hour with supply air 4 F high: a drift alert naming supply_temp, and neither other feature.
    db.insert('hardware_metrics', ahuSamples(4 * HOUR + 1, 5 * HOUR + 1, { from: 4 * HOUR + 1, offset: 4 }));
    const drift = await waitFor('a drift alert', async () => {
      const a = await alerts(hub.url, token, id, 'drift');
      return a.length > 0 ? a : undefined;
    }, 120_000, 500);
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ state: 'raised', deployment_id: live });
    const named = drift[0]!.drift!.features.map((f) => f.column);
    expect(named).toContain('supply_temp');
    expect(named).not.toContain('return_temp');
    expect(named).not.toContain('fan_speed');
    expect(drift[0]!.message).toContain('supply_temp');
    const shifted = (await get<Drift>(`/api/v1/deployments/targets/${id}/drift?from=${hourIso(4)}`));
    expect(shifted.hours).toHaveLength(1);
    expect(shifted.hours[0]!.features.find((f) => f.column === 'supply_temp')!.psi).toBeGreaterThan(1);
    console.log(`shifted hour: ${shifted.hours[0]!.features.map((f) => `${f.column} ${f.psi.toFixed(3)}`).join(', ')}, score ${shifted.hours[0]!.score_psi?.toFixed(3)}`);
    const bandwidth = (await get<Drift>(`/api/v1/deployments/targets/${id}/drift`)).bandwidth;
    expect(bandwidth.days[0]).toMatchObject({ summaries: 3 });
    expect(bandwidth.projected_bytes_per_day).toBeLessThan(24 * 1000);

    // Promote: the shadow becomes live, the old live is kept on the target; promoting it again rolls back.
    const promoted = await api<Promotion>(hub.url, 'POST', `/api/v1/deployments/${shadow}/promote`, token);
    expect(promoted.status).toBe(202);
    expect(promoted.body).toMatchObject({ state: 'pending', replaces_deployment_id: live });
    await waitFor('the promotion done', async () => (await deployment(hub.url, token, shadow) as unknown as { promotion: Promotion | null }).promotion?.state === 'done', 60_000, 250);
    expect(await deployment(hub.url, token, shadow)).toMatchObject({ status: 'deployed', mode: 'live' });
    expect(await deployment(hub.url, token, live)).toMatchObject({ status: 'superseded', mode: 'live' });
    await waitFor('the target runs the candidate', async () => ((await target(hub.url, token, id)) as unknown as { current_model: string }).current_model === candidate, 30_000);
    db.insert('hardware_metrics', ahuSamples(5 * HOUR + 1, 5 * HOUR + 40));
    await waitFor('the candidate scores live', async () => {
      const s = await get<{ scores: { deployment_id: string; ts: string }[] }>(`/api/v1/deployments/targets/${id}/scores?limit=10000`);
      return s.scores.some((x) => x.deployment_id === shadow && Date.parse(x.ts) > START + (5 * HOUR + 1) * STEP_MS);
    }, 60_000, 500);

    const back = await api<Promotion>(hub.url, 'POST', `/api/v1/deployments/${live}/promote`, token);
    expect(back.status).toBe(202);
    expect(back.body).toMatchObject({ state: 'pending', replaces_deployment_id: shadow });
    await waitFor('the rollback done', async () => (await deployment(hub.url, token, live) as unknown as { promotion: Promotion | null }).promotion?.state === 'done', 60_000, 250);
    expect(await deployment(hub.url, token, live)).toMatchObject({ status: 'deployed', mode: 'live' });
    expect(await deployment(hub.url, token, shadow)).toMatchObject({ status: 'superseded' });
    await waitFor('the target runs the first model again', async () => ((await target(hub.url, token, id)) as unknown as { current_model: string }).current_model === liveModel, 30_000);
  }, 900_000);
});
