import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DatasetDetail, Target } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../../test/harness.js';

// A deleted edge dataset: the hand-over used to fail on every try while the target's journal grew. Now a live
// target's readings continue in a new dataset (the delete cleared what was collected, it did not stop collection),
// and a revoked target's journal is dropped.
let t: TestHub;
let admin: string;
beforeAll(async () => {
  t = await createTestHub();
  admin = await t.adminToken();
});
afterAll(() => t.close());

const batch = (from: number, n: number) => Buffer.from(JSON.stringify({
  v: 1, seq_from: from, dropped: [],
  readings: Array.from({ length: n }, (_, i) => ({ ts: 1_700_000_000_000 + (from + i) * 1000, values: { supply_temp: from + i } })),
}));

async function json<T>(method: string, url: string, status = 200): Promise<T> {
  const res = await t.request(method, url, { token: admin });
  expect(res.status).toBe(status);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

async function enrolled(name: string): Promise<string> {
  const { fleet } = t.hub.services;
  const res = await t.request('POST', '/api/v1/deployments/targets', { token: admin, json: { name } });
  const { enrollment_token } = (await res.json()) as { enrollment_token: string };
  return (await fleet.enrollment.enroll({ enrollment_token })).device_id;
}

const journalRows = async (id: string) =>
  (await t.hub.store.rows<{ n: number }>(sql`SELECT count(*) AS n FROM edge_ingest_batches WHERE device_id = ${id}`))[0]!.n;

describe('a deleted edge dataset', () => {
  it('a live target continues in a new dataset with every reading not yet handed over', async () => {
    const { fleet } = t.hub.services;
    const id = await enrolled('AHU-7');
    await fleet.telemetry.ingest(id, batch(1, 50));
    await fleet.handover.idle();
    const first = (await json<Target>('GET', `/api/v1/deployments/targets/${id}`)).dataset_id!;
    expect((await json<DatasetDetail>('GET', `/api/v1/datasets/${first}`)).row_count).toBe(50);
    await json('DELETE', `/api/v1/datasets/${first}`, 204);
    await fleet.telemetry.ingest(id, batch(51, 30));
    await fleet.handover.idle();
    const second = (await json<Target>('GET', `/api/v1/deployments/targets/${id}`)).dataset_id!;
    expect(second).not.toBe(first);
    expect(await json<DatasetDetail>('GET', `/api/v1/datasets/${second}`)).toMatchObject({ row_count: 30, source: 'edge', target_name: 'AHU-7' });
    const csv = await (await t.request('GET', `/api/v1/datasets/${second}/export`, { token: admin })).text();
    expect(csv.trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]))).toEqual(Array.from({ length: 30 }, (_, i) => 51 + i));
    expect(await journalRows(id)).toBe(0);
    // And on from there as before.
    await fleet.telemetry.ingest(id, batch(81, 20));
    await fleet.handover.idle();
    expect((await json<DatasetDetail>('GET', `/api/v1/datasets/${second}`)).row_count).toBe(50);
  });

  it('a revoked target\'s journal is dropped rather than retried forever', async () => {
    const { fleet } = t.hub.services;
    const id = await enrolled('Pump-2');
    await fleet.telemetry.ingest(id, batch(1, 10));
    await fleet.handover.idle();
    const first = (await json<Target>('GET', `/api/v1/deployments/targets/${id}`)).dataset_id!;
    await json('DELETE', `/api/v1/datasets/${first}`, 204);
    await fleet.telemetry.ingest(id, batch(11, 10));
    await json('POST', `/api/v1/deployments/targets/${id}/revoke`);
    expect(await journalRows(id)).toBe(1);
    await fleet.handover.idle();
    expect(await journalRows(id)).toBe(0);
    expect((await json<Target>('GET', `/api/v1/deployments/targets/${id}`)).dataset_id).toBe(first);
  });
});

describe('a shutdown with many devices waiting for their hand-over', () => {
  it('stops within its budget, and the next start hands over everything the journal kept', async () => {
    // With thousands of devices draining the whole queue at shutdown took minutes, past the process's limit.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prometheus-handover-stop-'));
    const first = await createTestHub({ PROMETHEUS_DATA_DIR: dir });
    const token = await first.adminToken();
    const ids: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      const res = await first.request('POST', '/api/v1/deployments/targets', { token, json: { name: `AHU-${i}` } });
      const { enrollment_token } = (await res.json()) as { enrollment_token: string };
      const id = (await first.hub.services.fleet.enrollment.enroll({ enrollment_token })).device_id;
      await first.hub.services.fleet.telemetry.ingest(id, batch(1, 10));
      ids.push(id);
    }
    // A budget already spent: no step starts, every device is left, each batch kept in the journal.
    expect(await first.hub.services.fleet.handover.stop(0)).toBe(12);
    const kept = await first.hub.store.rows<{ n: number }>(sql`SELECT count(*) AS n FROM edge_ingest_batches`);
    expect(Number(kept[0]!.n)).toBe(12);
    await first.close(); // the hub's own stop (a budget of seconds) does not reopen the hand-over

    const next = await createTestHub({ PROMETHEUS_DATA_DIR: dir });
    try {
      const before = await next.hub.store.rows<{ n: number }>(sql`SELECT count(*) AS n FROM edge_ingest_batches`);
      expect(Number(before[0]!.n)).toBe(12);
      await next.hub.services.fleet.handover.recover();
      await next.hub.services.fleet.handover.idle();
      const admin = await next.adminToken();
      for (const id of ids) {
        const target = (await (await next.request('GET', `/api/v1/deployments/targets/${id}`, { token: admin })).json()) as Target;
        const dataset = (await (await next.request('GET', `/api/v1/datasets/${target.dataset_id}`, { token: admin })).json()) as DatasetDetail;
        expect(dataset.row_count).toBe(10);
      }
      const left = await next.hub.store.rows<{ n: number }>(sql`SELECT count(*) AS n FROM edge_ingest_batches`);
      expect(Number(left[0]!.n)).toBe(0);
    } finally {
      await next.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
