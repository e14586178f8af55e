import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAegisDbFake, startHardwareDaemonFake, type AegisDbFake } from './fakes/index.js';
import {
  adminToken, agentCommand, agentSpec, api, checksum, datasetSamples, enrollAgent, hubSpec, killAll, range, removeTempDirs, samples,
  startAgent, startHub, target, waitFor, type HubProc,
} from './edge-link/harness.js';

// End to end: the hub with its embedded broker and the agent as real child processes, against the
// Aegis-DB double (wrapped documents, timestamp queries and skip/limit paging, bearer auth) and the /sensors double.
let hub: HubProc;
let token: string;
const fakes: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  hub = await startHub(await hubSpec());
  token = await adminToken(hub.url);
});
afterAll(async () => {
  await killAll();
  await Promise.all(fakes.map((f) => f.close()));
  removeTempDirs();
});

async function aegis(mode: 'old' | 'new', queryRoute = true): Promise<AegisDbFake> {
  const fake = await startAegisDbFake({ mode, token: 'aegis-secret', queryRoute });
  fakes.push(fake);
  return fake;
}

async function arrived(id: string, n: number): Promise<number[]> {
  const t = await waitFor(`${n} readings stored`, async () => {
    const v = await target(hub.url, token, id);
    return v.readings_stored >= n && v.dataset_id ? v : undefined;
  }, 90_000);
  return waitFor('dataset rows', async () => {
    const rows = await datasetSamples(hub.url, token, t.dataset_id!);
    return rows.length >= n ? rows : undefined;
  });
}

describe('edge link end to end', () => {
  it('enrolls, syncs an Aegis-DB resumed by timestamp with a bearer token into the target dataset, and reports status', async () => {
    const db = await aegis('new');
    db.insert('hardware_metrics', samples(0, 1200));
    const spec = agentSpec({ source: { kind: 'aegis', token: 'aegis-secret', page_size: 250 } });
    const id = await enrollAgent(hub.url, token, spec, 'Warren AHU-1');
    expect(fs.statSync(path.join(spec.stateDir, 'credentials.json')).mode & 0o777).toBe(0o600);
    const agent = startAgent(spec, ['--aegis-url', db.url]);

    const rows = await arrived(id, 1200);
    expect(checksum(rows)).toBe(checksum(range(0, 1200)));
    // Resumed by timestamp (the collection answers a timestamp filter), never by offset.
    const paged = db.requests.filter((r) => r.path.includes('/hardware_metrics/'));
    expect(paged.some((r) => r.path.endsWith('/query') && r.body.includes('"$gte"'))).toBe(true);
    expect(paged.some((r) => r.query.skip !== undefined && r.query.skip !== '0')).toBe(false);
    expect(paged.every((r) => r.headers.authorization === 'Bearer aegis-secret')).toBe(true);

    db.insert('hardware_metrics', samples(1200, 1500));
    expect(checksum(await arrived(id, 1500))).toBe(checksum(range(0, 1500)));
    const view = await waitFor('heartbeat', async () => {
      const v = await target(hub.url, token, id);
      return v.status === 'online' && v.agent_version === '0.1.0' && v.outbox_depth === 0 ? v : undefined;
    });
    expect(view.dropped_total).toBe(0);
    const list = await api<{ id: string; source: string; target_name: string }[]>(hub.url, 'GET', '/api/v1/datasets', token);
    expect(list.body.find((d) => d.source === 'edge' && d.target_name === 'Warren AHU-1')).toBeDefined();

    expect(await agent.stop()).toBe(0);
    await waitFor('offline after a clean stop', async () => (await target(hub.url, token, id)).status === 'offline');
    const status = JSON.parse((await agentCommand(['status', '--state-dir', spec.stateDir, '--config', spec.configFile])).out) as { device_id: string; outbox: { depth: number; acked_seq: number } };
    expect(status).toMatchObject({ device_id: id, outbox: { depth: 0, acked_seq: 1500 } });
  });

  it('pages an older Aegis-DB without the query route by skip/limit without auth, and polls a hardware daemon', async () => {
    const db = await aegis('old', false);
    db.insert('hardware_metrics', samples(0, 700));
    const spec = agentSpec({ source: { kind: 'aegis', page_size: 100 } });
    const id = await enrollAgent(hub.url, token, spec, 'Old controller');
    startAgent(spec, ['--aegis-url', db.url]);
    expect(checksum(await arrived(id, 700))).toBe(checksum(range(0, 700)));
    expect(db.requests.some((r) => r.query.skip === '600')).toBe(true);

    let n = 0;
    const daemon = await startHardwareDaemonFake({ now: () => new Date(Date.UTC(2026, 0, 1) + (n += 1) * 1000) });
    fakes.push(daemon);
    const sensors = agentSpec({});
    const sid = await enrollAgent(hub.url, token, sensors, 'Boiler daemon');
    startAgent(sensors, ['--sensors-url', `${daemon.url}/sensors`, '--interval', '0.05']);
    const t = await waitFor('sensor readings', async () => {
      const v = await target(hub.url, token, sid);
      return v.readings_stored >= 20 ? v : undefined;
    });
    // Stored readings reach the target's dataset at the next hand-over (after a pause in ingest, at most 5 s).
    await waitFor('readings in the dataset', async () => ((await api<{ row_count: number }>(hub.url, 'GET', `/api/v1/datasets/${t.dataset_id}`, token)).body.row_count >= 20));
    const exported = await (await fetch(`${hub.url}/api/v1/datasets/${t.dataset_id}/export`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(exported.split('\n')[0]).toContain('supply_temp');
  });

  it('cuts a revoked target off at once and refuses it from then on', async () => {
    const db = await aegis('new');
    db.insert('hardware_metrics', samples(0, 100));
    const spec = agentSpec({ source: { kind: 'aegis', token: 'aegis-secret' } });
    const id = await enrollAgent(hub.url, token, spec, 'To revoke');
    const agent = startAgent(spec, ['--aegis-url', db.url]);
    await arrived(id, 100);
    expect((await api(hub.url, 'POST', `/api/v1/deployments/targets/${id}/revoke`, token)).status).toBe(200);
    await waitFor('agent sees the refusal', () => agent.lines.some((l) => l.includes('Bad username or password')));
    db.insert('hardware_metrics', samples(100, 150));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await target(hub.url, token, id)).toMatchObject({ status: 'revoked', readings_stored: 100 });
    const status = JSON.parse((await agentCommand(['status', '--state-dir', spec.stateDir, '--config', spec.configFile])).out) as { outbox: { depth: number } };
    expect(status.outbox.depth).toBe(50);
  });
});
