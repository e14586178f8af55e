import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TelemetryBatch } from '@prometheus/protocol';
import { asc, eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type HubDatabase } from '../../db/client.js';
import { edgeIngestBatches, edgeIngestState, edgePendingSeqs, edgeTargets, users } from '../../db/schema/index.js';
import { createScratchDatabase, type ScratchDatabase } from '../../test/scratch-postgres.js';
import { planGroup, type IngestItem } from './ingest-group.js';
import { createIngestWriter } from './ingest-writer.js';

// The set-based group commit (ingest-group.ts) against the per-batch path it shortcuts: the same seeded stream of
// batches (in order, resent, swapped, with evicted ranges declared dropped) goes through ingestMany in random
// groups for devices g-*, and one batch per transaction through ingest for devices s-*. Every acknowledgement and
// every stored row must agree. On both dialects.

const DEVICES = 6;
const NOW = new Date('2026-12-07T12:00:00Z');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const readings = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ ts: 1_700_000_000_000 + (from + i) * 1000, values: { sat: from + i } }));

/** One device's batches as its agent sends them: contiguous, with evictions declared as dropped ranges. */
function agentBatches(random: () => number, count: number): TelemetryBatch[] {
  const out: TelemetryBatch[] = [];
  let next = 1;
  for (let k = 0; k < count; k++) {
    const dropped = random() < 0.08 ? [{ from: next, to: next + Math.floor(random() * 4) }] : [];
    if (dropped.length > 0) next = dropped[0]!.to + 1;
    const n = 1 + Math.floor(random() * 5);
    // Sometimes the eviction is declared ahead, beside the readings before it.
    if (dropped.length === 0 && random() < 0.06) dropped.push({ from: next + n, to: next + n + Math.floor(random() * 3) });
    out.push({ v: 1, seq_from: next, readings: readings(next, n), dropped });
    next = Math.max(next + n, (dropped[0]?.to ?? 0) + 1);
  }
  return out;
}

/** The arrival stream: devices interleaved, some batches resent later, some neighbours swapped. */
function arrivals(seed: number): { device: number; batch: TelemetryBatch }[] {
  const random = rng(seed);
  const queues = Array.from({ length: DEVICES }, () => {
    const q = agentBatches(random, 40);
    for (let i = 0; i + 1 < q.length; i++) if (random() < 0.08) [q[i], q[i + 1]] = [q[i + 1]!, q[i]!];
    for (let i = 0; i < q.length; i++) if (random() < 0.1) q.splice(i + 1 + Math.floor(random() * 5), 0, q[Math.floor(random() * (i + 1))]!);
    return q;
  });
  const stream: { device: number; batch: TelemetryBatch }[] = [];
  while (queues.some((q) => q.length > 0)) {
    const live = queues.flatMap((q, d) => (q.length > 0 ? [d] : []));
    const device = live[Math.floor(random() * live.length)]!;
    stream.push({ device, batch: queues[device]!.shift()! });
  }
  return stream;
}

async function seedTargets(store: HubDatabase, ids: string[]): Promise<void> {
  await store.db.insert(users).values({ id: 'usr_owner', username: 'owner', email: 'o@example.com', passwordHash: 'x', role: 'admin', createdAt: NOW, updatedAt: NOW }).onConflictDoNothing();
  await store.db.insert(edgeTargets).values(ids.map((id) => ({ id, ownerId: 'usr_owner', name: id, createdAt: NOW, updatedAt: NOW })));
}

/** What a device's ingestion left: state, pending, journal, last-seen. */
async function snapshot(store: HubDatabase, id: string) {
  const { db } = store;
  const [state] = await db.select({ ack: edgeIngestState.ackSeq, stored: edgeIngestState.storedTotal, lost: edgeIngestState.lostTotal }).from(edgeIngestState).where(eq(edgeIngestState.deviceId, id));
  const pending = await db.select({ seq: edgePendingSeqs.seq, lost: edgePendingSeqs.lost }).from(edgePendingSeqs).where(eq(edgePendingSeqs.deviceId, id)).orderBy(asc(edgePendingSeqs.seq));
  const runs = await db.select({ from: edgeIngestBatches.seqFrom, to: edgeIngestBatches.seqTo }).from(edgeIngestBatches).where(eq(edgeIngestBatches.deviceId, id)).orderBy(asc(edgeIngestBatches.seqFrom));
  const [target] = await db.select({ lastSeen: edgeTargets.lastSeen }).from(edgeTargets).where(eq(edgeTargets.id, id));
  const journal = await createIngestWriter(db).journalRows(id, 100_000);
  return { state, pending, runs, lastSeen: target?.lastSeen?.getTime(), journal: journal.map((r) => [r.seq, r.values['sat']]) };
}

const pendingSeqs = async (store: HubDatabase, id: string) =>
  (await store.db.select({ seq: edgePendingSeqs.seq }).from(edgePendingSeqs).where(eq(edgePendingSeqs.deviceId, id)).orderBy(asc(edgePendingSeqs.seq))).map((r) => r.seq);

/** The gaps an ack names, worked out here from the pending sequences (the writer has the store do it). */
function gapsOf(pending: number[], ack: number): { from: number; to: number }[] {
  const gaps: { from: number; to: number }[] = [];
  let expected = ack + 1;
  for (const seq of pending) {
    if (seq > expected && gaps.length < 100) gaps.push({ from: expected, to: seq - 1 });
    expected = seq + 1;
  }
  return gaps;
}

async function compareOn(store: HubDatabase, seed: number): Promise<void> {
  const g = (d: number) => `g-${seed}-${d}`;
  const s = (d: number) => `s-${seed}-${d}`;
  const ids = Array.from({ length: DEVICES }, (_, d) => [g(d), s(d)]).flat();
  await seedTargets(store, ids);
  const writer = createIngestWriter(store.db);
  const stream = arrivals(seed);
  const random = rng(seed * 7 + 1);
  for (let i = 0; i < stream.length;) {
    const size = 1 + Math.floor(random() * 24);
    const group = stream.slice(i, i + size);
    i += size;
    const items: IngestItem[] = group.map(({ device, batch }) => ({ deviceId: g(device), batch, text: JSON.stringify(batch) }));
    const grouped = await writer.ingestMany(items, NOW, (err) => { throw err; });
    for (const [k, { device, batch }] of group.entries()) {
      const single = await writer.ingest(s(device), batch, NOW);
      expect({ at: i - size + k, out: grouped[k] }).toEqual({ at: i - size + k, out: single });
      expect(single.gaps).toEqual(gapsOf(await pendingSeqs(store, s(device)), single.ackSeq));
    }
  }
  for (let d = 0; d < DEVICES; d++) {
    const [a, b] = [await snapshot(store, g(d)), await snapshot(store, s(d))];
    expect(a).toEqual(b);
    expect(a.state!.ack).toBeGreaterThan(50);
  }
}

function sharedCases(open: () => Promise<HubDatabase>) {
  let store: HubDatabase;
  beforeAll(async () => { store = await open(); });
  afterAll(() => store.close());

  it('three seeded streams: every outcome and every stored row match the per-batch path', async () => {
    for (const seed of [1, 2, 3]) await compareOn(store, seed);
    // Not vacuous: the streams hold irregular batches on both paths.
    const pending = await store.db.select({ id: edgePendingSeqs.deviceId }).from(edgePendingSeqs).where(like(edgePendingSeqs.deviceId, 'g-%'));
    const lost = await store.db.select({ lost: edgeIngestState.lostTotal }).from(edgeIngestState).where(like(edgeIngestState.deviceId, 'g-%'));
    expect(pending.length + lost.reduce((n, r) => n + r.lost, 0)).toBeGreaterThan(0);
  });

  it('hands back, unwritten, a batch ahead of its device that may wait, and the device\'s later batches with it, not the one it waits for', async () => {
    await seedTargets(store, ['w-a', 'w-b']);
    const writer = createIngestWriter(store.db);
    const item = (deviceId: string, from: number, mayWait: boolean): IngestItem => ({ deviceId, mayWait, batch: { v: 1, seq_from: from, readings: readings(from, 5), dropped: [] } });
    const out = await writer.ingestMany([item('w-a', 6, true), item('w-b', 1, true), item('w-a', 11, true)], NOW);
    expect(out[0]).toBe('wait');
    expect(out[1]).toMatchObject({ ackSeq: 5, stored: 5, gaps: [] });
    expect(out[2]).toBe('wait');
    expect(await pendingSeqs(store, 'w-a')).toEqual([]);
    // One that may no longer wait is stored out of order, its gap named.
    expect((await writer.ingestMany([item('w-a', 6, false)], NOW))[0]).toMatchObject({ ackSeq: 0, stored: 5, gaps: [{ from: 1, to: 5 }] });
    // The batch the one ahead waits for passes behind it in the same group.
    await seedTargets(store, ['w-c']);
    const both = await writer.ingestMany([item('w-c', 6, true), item('w-c', 1, true)], NOW);
    expect(both[0]).toBe('wait');
    expect(both[1]).toMatchObject({ ackSeq: 5, stored: 5, gaps: [] });
    expect((await writer.ingestMany([item('w-c', 6, true)], NOW))[0]).toMatchObject({ ackSeq: 10, stored: 5, gaps: [] });
  });
}

describe('set-based group commit: the plan', () => {
  const item = (deviceId: string, from: number, n: number, dropped: TelemetryBatch['dropped'] = []): IngestItem => ({ deviceId, batch: { v: 1, seq_from: from, readings: readings(from, n), dropped } });
  const states = () => new Map([['a', { ackSeq: 10, storedTotal: 10, lostTotal: 2 }], ['b', { ackSeq: 0, storedTotal: 0, lostTotal: 0 }]]);

  it('plans contiguous and repeated batches, and leaves a device to the per-batch path from its first gap on', () => {
    const plan = planGroup([item('a', 11, 5), item('b', 1, 3), item('a', 14, 4), item('b', 6, 2), item('a', 18, 1), item('b', 4, 2)], states(), new Set());
    expect(plan.slow).toEqual([3, 5]);
    expect(plan.outcomes[0]).toEqual({ ackSeq: 15, stored: 5, duplicates: 0, lost: 0, lostTotal: 2, gaps: [] });
    expect(plan.outcomes[2]).toEqual({ ackSeq: 17, stored: 2, duplicates: 2, lost: 0, lostTotal: 2, gaps: [] });
    expect(plan.runs.map((r) => [r.deviceId, r.seqFrom, r.seqTo])).toEqual([['a', 11, 15], ['b', 1, 3], ['a', 16, 17], ['a', 18, 18]]);
    expect(plan.moved.get('a')).toEqual({ ackSeq: 18, storedTotal: 18, lostTotal: 2 });
    expect(plan.seen).toEqual(['a', 'b']);
  });

  it('leaves a declared drop beyond the acknowledgement, and a device with pending sequences, to the per-batch path', () => {
    expect(planGroup([item('a', 11, 2, [{ from: 3, to: 10 }]), item('a', 13, 1, [{ from: 20, to: 25 }])], states(), new Set()).slow).toEqual([1]);
    expect(planGroup([item('a', 11, 2), item('b', 1, 1)], states(), new Set(['a'])).slow).toEqual([0]);
  });
});

describe('set-based group commit on SQLite', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ingest-group-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  sharedCases(() => openDatabase({ file: path.join(dir, 'prometheus.db') }));
});

describe('set-based group commit on PostgreSQL', () => {
  let scratch: ScratchDatabase;
  beforeAll(async () => { scratch = await createScratchDatabase('ingest_group'); });
  afterAll(() => scratch.drop());
  sharedCases(() => openDatabase({ file: '', url: scratch.url }));

  it('two replicas committing groups over the same devices in opposite orders never deadlock', async () => {
    const [one, two] = [await openDatabase({ file: '', url: scratch.url }), await openDatabase({ file: '', url: scratch.url })];
    try {
      const ids = Array.from({ length: 20 }, (_, d) => `dl-${d}`);
      await seedTargets(one, ids);
      const next = new Map(ids.map((id) => [id, 1]));
      // Each round: replica one writes the devices in ascending order, replica two in descending; both hold a
      // run of each device, so without the ordered lock each would wait on the other's first row.
      for (let round = 0; round < 15; round++) {
        const groups = [ids, [...ids].reverse()].map((order) => order.map((deviceId) => {
          const from = next.get(deviceId)!;
          next.set(deviceId, from + 2);
          return { deviceId, batch: { v: 1 as const, seq_from: from, readings: readings(from, 2), dropped: [] } };
        }));
        const [a, b] = await Promise.all([createIngestWriter(one.db).ingestMany(groups[0]!, NOW), createIngestWriter(two.db).ingestMany(groups[1]!, NOW)]);
        expect([...a, ...b].filter((o) => o instanceof Error)).toEqual([]);
      }
      const states = await one.db.select({ ack: edgeIngestState.ackSeq }).from(edgeIngestState).where(like(edgeIngestState.deviceId, 'dl-%'));
      expect(states.map((s) => s.ack)).toEqual(ids.map(() => 60));
    } finally {
      await one.close();
      await two.close();
    }
  });
});
