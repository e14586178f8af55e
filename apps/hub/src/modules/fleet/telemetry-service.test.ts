import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type HubDatabase } from '../../db/client.js';
import { edgePendingSeqs, edgeTargets, users } from '../../db/schema/index.js';
import type { DatasetHandover } from './dataset-handover.js';
import { createIngestRepo, type IngestOutcome, type IngestRepo } from './ingest-repo.js';
import { createTelemetryService } from './telemetry-service.js';

// What the telemetry service logs per batch: a warning only when the device gave readings up (they are gone), a
// debug line for a gap (a batch still on its way: out of order across replicas, or resent after a cut).
function serviceWith(outcome: IngestOutcome) {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const ingestRepo = { ingestMany: async (items: unknown[]) => items.map(() => outcome) } as unknown as IngestRepo;
  const handover = { enabled: false, scheduleSoon: () => undefined } as unknown as DatasetHandover;
  const service = createTelemetryService({ ingestRepo, handover, clock: { now: () => new Date() }, log });
  return { service, lines };
}

const payload = Buffer.from(JSON.stringify({ v: 1, seq_from: 11, dropped: [], readings: [{ ts: 1, values: { sat: 55 } }] }));
const base: IngestOutcome = { ackSeq: 11, stored: 1, duplicates: 0, lost: 0, lostTotal: 0, gaps: [] };

describe('telemetry service logging', () => {
  it('warns when readings were lost on the device', async () => {
    const { service, lines } = serviceWith({ ...base, lost: 3, lostTotal: 7 });
    expect((await service.ingest('tgt_a', payload)).ack).toMatchObject({ ack_seq: 11, lost_total: 7 });
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(['telemetry readings lost on the device']);
  });

  it('logs a gap at debug level only', async () => {
    const { service, lines } = serviceWith({ ...base, ackSeq: 5, gaps: [{ from: 6, to: 10 }] });
    expect((await service.ingest('tgt_a', payload)).ack.gaps).toEqual([{ from: 6, to: 10 }]);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    expect(lines.filter((l) => l.level === 20).map((l) => l.msg)).toEqual(['telemetry gap']);
  });
});

describe('a batch ahead of its device', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'telemetry-wait-'));
  let store: HubDatabase;
  const at = new Date('2026-12-07T12:00:00Z');
  beforeAll(async () => {
    store = await openDatabase({ file: path.join(dir, 'prometheus.db') });
    await store.db.insert(users).values({ id: 'usr_o', username: 'o', email: 'o@example.com', passwordHash: 'x', role: 'admin', createdAt: at, updatedAt: at });
    await store.db.insert(edgeTargets).values(['tgt_w1', 'tgt_w2', 'tgt_w3'].map((id) => ({ id, ownerId: 'usr_o', name: id, createdAt: at, updatedAt: at })));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const service = (othersConsuming = true) => createTelemetryService({
    ingestRepo: createIngestRepo(store.db), handover: { enabled: false, scheduleSoon: () => undefined } as unknown as DatasetHandover,
    clock: { now: () => at }, log: pino({ level: 'silent' }), othersConsuming: () => othersConsuming,
  });
  const batch = (from: number, n: number) => Buffer.from(JSON.stringify({ v: 1, seq_from: from, dropped: [], readings: Array.from({ length: n }, (_, i) => ({ ts: from + i, values: { sat: 55 } })) }));
  const pending = async (id: string) => (await store.db.select().from(edgePendingSeqs).where(eq(edgePendingSeqs.deviceId, id))).length;

  it('waits for the one before it (committing on another replica), then both are stored in order with no gap', async () => {
    const telemetry = service();
    const ahead = telemetry.ingest('tgt_w1', batch(6, 5));
    await new Promise((r) => setTimeout(r, 40));
    const before = await telemetry.ingest('tgt_w1', batch(1, 5));
    expect(before.ack).toMatchObject({ ack_seq: 5, gaps: [] });
    expect((await ahead).ack).toMatchObject({ ack_seq: 10, gaps: [], stored: 5 });
    expect(await pending('tgt_w1')).toBe(0);
  });

  it('does not wait when no other replica consumes: the batch ahead is stored at once with the gap named', async () => {
    const telemetry = service(false);
    // As in the first test, the one before comes 40 ms later: a waiting service would store the two with no gap.
    const ahead = telemetry.ingest('tgt_w3', batch(6, 5));
    await new Promise((r) => setTimeout(r, 40));
    const before = await telemetry.ingest('tgt_w3', batch(1, 5));
    expect((await ahead).ack).toMatchObject({ ack_seq: 0, gaps: [{ from: 1, to: 5 }], stored: 5 });
    expect(before.ack).toMatchObject({ ack_seq: 10, gaps: [] });
    expect(await pending('tgt_w3')).toBe(0);
  });

  it('stops waiting when the one before does not come, and stores it with the gap named', async () => {
    const telemetry = service();
    const ahead = await telemetry.ingest('tgt_w2', batch(6, 5));
    expect(ahead.ack).toMatchObject({ ack_seq: 0, gaps: [{ from: 1, to: 5 }], stored: 5 });
    expect(await pending('tgt_w2')).toBe(5);
    expect((await telemetry.ingest('tgt_w2', batch(1, 5))).ack).toMatchObject({ ack_seq: 10, gaps: [] });
  });
});
