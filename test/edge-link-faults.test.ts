import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startAegisDbFake, type AegisDbFake } from './fakes/index.js';
import {
  adminToken, agentSpec, checksum, datasetSamples, enrollAgent, hubSpec, killAll, range, removeTempDirs, samples, startAgent, startHub,
  target, waitFor, type AgentSpec, type HubProc, type HubSpec,
} from './edge-link/harness.js';

// Faults of the edge link, each followed by a count and a checksum of what the target's dataset holds:
// every reading exactly once, in order. "Outages of hours" are simulated by volume against the bounds.
const fakes: AegisDbFake[] = [];
const table: string[] = [];
afterEach(killAll);
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  removeTempDirs();
  // The fault table of the closing note (printed, not asserted: the assertions are in each test).
  process.stdout.write(`\n| fault | at the fault | after recovery |\n|---|---|---|\n${table.join('\n')}\n`);
});

interface Rig {
  spec: HubSpec;
  hub: HubProc;
  token: string;
  db: AegisDbFake;
  agent: AgentSpec;
  id: string;
}

async function rig(agentConfig: Record<string, unknown> = {}): Promise<Rig> {
  const spec = await hubSpec();
  const hub = await startHub(spec);
  const token = await adminToken(hub.url);
  const db = await startAegisDbFake({ mode: 'new', token: 'aegis-secret' });
  fakes.push(db);
  const agent = agentSpec({ source: { kind: 'aegis', token: 'aegis-secret', url: db.url, page_size: 250 }, ...agentConfig });
  const id = await enrollAgent(hub.url, token, agent, 'Fault rig');
  return { spec, hub, token, db, agent, id };
}

/** What the agent's outbox holds right now (read beside the running agent; WAL allows it). */
function outbox(agent: AgentSpec): { depth: number; position: number; dropped: number } {
  const db = new Database(path.join(agent.stateDir, 'outbox.db'), { readonly: true, fileMustExist: true });
  try {
    const depth = (db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n;
    const meta = (k: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(k) as { value: string } | undefined)?.value;
    const pos = meta('aegis.position');
    return { depth, position: pos ? (JSON.parse(pos) as { offset: number }).offset : 0, dropped: Number(meta('dropped_total') ?? 0) };
  } finally {
    db.close();
  }
}

async function stored(r: Rig, n: number): Promise<number[]> {
  const t = await waitFor(`${n} readings stored`, async () => {
    const v = await target(r.hub.url, r.token, r.id);
    return v.readings_stored >= n && v.dataset_id ? v : undefined;
  }, 120_000, 200);
  return waitFor(`${n} dataset rows`, async () => {
    const rows = await datasetSamples(r.hub.url, r.token, t.dataset_id!);
    return rows.length >= n ? rows : undefined;
  }, 60_000, 200);
}

const stableFor = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('edge link faults', () => {
  it('broker stopped for a while then restarted: the outbox holds the readings, all arrive once', async () => {
    const r = await rig();
    r.db.insert('hardware_metrics', samples(0, 500));
    startAgent(r.agent);
    await stored(r, 500);
    expect(await r.hub.stop()).toBe(0);
    r.db.insert('hardware_metrics', samples(500, 2500));
    await waitFor('agent read everything while the broker was down', () => outbox(r.agent).position === 2500, 60_000, 200);
    expect(outbox(r.agent).depth).toBe(2000);
    await stableFor(3000); // several reconnect attempts against a closed port
    r.hub = await startHub(r.spec);
    const rows = await stored(r, 2500);
    expect(rows.length).toBe(2500);
    expect(checksum(rows)).toBe(checksum(range(0, 2500)));
    table.push(`| broker (hub) stopped with SIGTERM, 2,000 readings during the outage | 500 stored, 2,000 in the outbox | 2,500 rows, sha ${checksum(rows)} = expected |`);
    await waitFor('outbox emptied by acks', () => outbox(r.agent).depth === 0);
  });

  it('hub killed with SIGKILL mid-ingest and restarted: nothing lost, nothing doubled', async () => {
    const r = await rig();
    r.db.insert('hardware_metrics', samples(0, 6000));
    startAgent(r.agent);
    const atKill = await waitFor('ingest under way', async () => {
      const n = (await target(r.hub.url, r.token, r.id)).readings_stored;
      return n >= 300 && n < 5000 ? n : undefined;
    }, 60_000, 20);
    await r.hub.kill();
    r.hub = await startHub(r.spec);
    const rows = await stored(r, 6000);
    await stableFor(1000);
    const after = await stored(r, 6000);
    expect(after.length).toBe(6000);
    expect(checksum(after)).toBe(checksum(range(0, 6000)));
    expect(checksum(rows)).toBe(checksum(range(0, 6000)));
    expect((await target(r.hub.url, r.token, r.id)).readings_stored).toBe(6000);
    table.push(`| hub SIGKILL mid-ingest of 6,000 | ${atKill} stored when killed | 6,000 rows, sha ${checksum(after)} = expected |`);
  });

  it('agent killed with SIGKILL mid-outbox and restarted: the outbox and the source position resume exactly', async () => {
    const r = await rig();
    r.db.insert('hardware_metrics', samples(0, 6000));
    const first = startAgent(r.agent);
    await waitFor('agent mid-outbox', async () => {
      const o = outbox(r.agent);
      const n = (await target(r.hub.url, r.token, r.id)).readings_stored;
      return o.depth > 0 && n > 0 && n < 5000;
    }, 60_000, 20);
    await first.kill();
    const killedAt = outbox(r.agent);
    const storedAtKill = (await target(r.hub.url, r.token, r.id)).readings_stored;
    startAgent(r.agent);
    const rows = await stored(r, 6000);
    expect(rows.length).toBe(6000);
    expect(checksum(rows)).toBe(checksum(range(0, 6000)));
    expect(killedAt.position).toBeGreaterThan(0);
    table.push(`| agent SIGKILL mid-outbox (6,000 in the source) | read ${killedAt.position}, outbox ${killedAt.depth}, hub ${storedAtKill} | 6,000 rows, sha ${checksum(rows)} = expected |`);
  });

  it('an outage longer than the outbox bound: exactly the evicted readings are missing, and counted', async () => {
    const r = await rig({ outbox: { max_rows: 500, max_bytes: 100_000_000 }, source: { kind: 'aegis', token: 'aegis-secret', page_size: 100 } });
    r.db.insert('hardware_metrics', samples(0, 300));
    startAgent(r.agent, ['--aegis-url', r.db.url]);
    await stored(r, 300);
    await r.hub.kill();
    r.db.insert('hardware_metrics', samples(300, 2300));
    await waitFor('agent read the whole outage', () => outbox(r.agent).position === 2300, 60_000, 200);
    expect(outbox(r.agent)).toMatchObject({ depth: 500, dropped: 1500 });
    r.hub = await startHub(r.spec);
    const rows = await stored(r, 800);
    const view = await waitFor('drop count reported', async () => {
      const v = await target(r.hub.url, r.token, r.id);
      return v.dropped_total === 1500 ? v : undefined;
    });
    expect(view.readings_stored).toBe(800);
    expect(rows).toEqual([...range(0, 300), ...range(1800, 2300)]);
    expect(checksum(rows)).toBe(checksum([...range(0, 300), ...range(1800, 2300)]));
    table.push(`| outage of 2,000 readings over an outbox bound of 500 rows | outbox 500, agent dropped 1,500 | 800 rows (0-299, 1800-2299) in order, hub dropped_total 1,500 = agent's |`);
  });
});
