import { and, asc, between, count, eq, gt, lte, sql } from 'drizzle-orm';
import type { SeqRange, TelemetryBatch } from '@prometheus/protocol';
import type { Db, Tx } from '../../db/client.js';
import { edgeIngestBatches, edgeIngestState, edgePendingSeqs, edgeTargets } from '../../db/schema/index.js';
import { aheadOfCommitted, devicesWithPending, lockStates, planGroup, writePlan, type IngestItem } from './ingest-group.js';
import type { IngestOutcome, JournalRow } from './ingest-repo.js';

const MAX_GAPS = 100;
/** Pending sequences read per query while walking the acknowledgement forward. */
const WALK_CHUNK = 1000;
/** Rows per multi-row insert (PostgreSQL takes at most 65,535 parameters a statement). */
const INSERT_CHUNK = 5000;
/** Journal runs read per query by journalRows. */
const RUN_PAGE = 64;

export type { IngestItem } from './ingest-group.js';

type Q = Db | Tx;

/**
 * The readings of a journal row: the telemetry payload as received (the run is `readings[from - seq_from ..]`),
 * or, for rows carried over from the per-reading journal (migration 0007), `[[ts, values], ...]`.
 */
function unpackRun(from: number, to: number, stored: string, into: JournalRow[]): void {
  const parsed = JSON.parse(stored) as TelemetryBatch | [number, JournalRow['values']][];
  if (Array.isArray(parsed)) {
    parsed.forEach(([ts, values], i) => into.push({ seq: from + i, ts, values }));
    return;
  }
  for (let seq = from; seq <= to; seq += 1) {
    const r = parsed.readings[seq - parsed.seq_from]!;
    into.push({ seq, ts: r.ts, values: r.values });
  }
}

const pendingOf = (deviceId: string) => eq(edgePendingSeqs.deviceId, deviceId);

/** Moves ackSeq over every pending sequence that now follows it, and forgets those. */
async function advance(tx: Q, deviceId: string, ackSeq: number): Promise<number> {
  let ack = ackSeq;
  for (;;) {
    const seqs = await tx.select({ seq: edgePendingSeqs.seq }).from(edgePendingSeqs)
      .where(and(pendingOf(deviceId), gt(edgePendingSeqs.seq, ack))).orderBy(asc(edgePendingSeqs.seq)).limit(WALK_CHUNK);
    let walked = 0;
    for (const { seq } of seqs) {
      if (seq !== ack + 1) break;
      ack = seq;
      walked += 1;
    }
    if (walked < WALK_CHUNK) break;
  }
  if (ack > ackSeq) await tx.delete(edgePendingSeqs).where(and(pendingOf(deviceId), lte(edgePendingSeqs.seq, ack)));
  return ack;
}

async function addPending(tx: Q, deviceId: string, seqs: number[], lost: boolean): Promise<void> {
  for (let i = 0; i < seqs.length; i += INSERT_CHUNK) {
    const rows = seqs.slice(i, i + INSERT_CHUNK).map((seq) => ({ deviceId, seq, lost }));
    await tx.insert(edgePendingSeqs).values(rows).onConflictDoNothing();
  }
}

/** Dropped ranges: sequences the agent will never send. The ones not stored count as lost. */
async function applyDropped(tx: Q, deviceId: string, ackSeq: number, dropped: SeqRange[]): Promise<{ ack: number; lost: number }> {
  let ack = ackSeq;
  let lost = 0;
  for (const range of [...dropped].sort((a, b) => a.from - b.from)) {
    if (range.to <= ack) continue;
    const from = Math.max(range.from, ack + 1);
    const [held] = await tx.select({ n: count() }).from(edgePendingSeqs).where(and(pendingOf(deviceId), between(edgePendingSeqs.seq, from, range.to)));
    lost += range.to - from + 1 - (held?.n ?? 0);
    if (from === ack + 1) {
      ack = await advance(tx, deviceId, range.to);
    } else {
      // A dropped range beyond a gap (rare: earlier readings still in flight): remember each sequence as lost.
      await addPending(tx, deviceId, Array.from({ length: range.to - from + 1 }, (_, i) => from + i), true);
    }
  }
  return { ack, lost };
}

/**
 * The first MAX_GAPS gaps above the acknowledgement. Computed by the store (each pending sequence against the one
 * before it): pending rows are one per reading, hundreds per device while batches come out of order, and reading
 * them all for every batch was what held two replicas back.
 */
async function gapsAbove(tx: Q, deviceId: string, ack: number): Promise<SeqRange[]> {
  const ordered = tx.select({
    seq: edgePendingSeqs.seq,
    prev: sql<number | null>`lag(${edgePendingSeqs.seq}) over (order by ${edgePendingSeqs.seq})`.as('prev'),
  }).from(edgePendingSeqs).where(pendingOf(deviceId)).as('ordered');
  const rows = await tx.select({ seq: ordered.seq, prev: ordered.prev }).from(ordered)
    .where(sql`coalesce(${ordered.prev}, ${ack}) + 1 < ${ordered.seq}`).orderBy(asc(ordered.seq)).limit(MAX_GAPS);
  return rows.map((r) => ({ from: Number(r.prev ?? ack) + 1, to: r.seq - 1 }));
}

/** The device's counters, its row locked until commit (an UPDATE takes the lock on PostgreSQL; a replica waits). */
async function lockState(tx: Q, deviceId: string) {
  const lock = () => tx.update(edgeIngestState).set({ ackSeq: sql`${edgeIngestState.ackSeq}` }).where(eq(edgeIngestState.deviceId, deviceId))
    .returning({ ackSeq: edgeIngestState.ackSeq, storedTotal: edgeIngestState.storedTotal, lostTotal: edgeIngestState.lostTotal });
  const [state] = await lock();
  if (state) return state;
  await tx.insert(edgeIngestState).values({ deviceId }).onConflictDoNothing();
  return (await lock())[0]!;
}

/** One batch inside an open transaction: journal the new readings and move the acknowledgement, together. */
async function ingestOne(tx: Q, item: IngestItem, now: Date): Promise<IngestOutcome> {
  const { deviceId, batch } = item;
  const state = await lockState(tx, deviceId);
  const dropped = await applyDropped(tx, deviceId, state.ackSeq, batch.dropped);
  let ack = dropped.ack;
  const seqTo = batch.seq_from + batch.readings.length - 1;
  let anyPending = (await tx.select({ seq: edgePendingSeqs.seq }).from(edgePendingSeqs).where(pendingOf(deviceId)).limit(1)).length > 0;
  const held = anyPending && batch.readings.length > 0
    ? new Set((await tx.select({ seq: edgePendingSeqs.seq }).from(edgePendingSeqs)
      .where(and(pendingOf(deviceId), between(edgePendingSeqs.seq, batch.seq_from, seqTo)))).map((r) => r.seq))
    : new Set<number>();
  let stored = 0;
  // One journal row per contiguous run of stored sequences (usually the whole batch), holding the payload as
  // received: no re-serialising on the hot path; the hand-over parses it once (journalRows).
  const runs: { from: number; to: number }[] = [];
  let run: { from: number; to: number } | undefined;
  const newPending: number[] = [];
  for (let i = 0; i < batch.readings.length; i += 1) {
    const seq = batch.seq_from + i;
    if (seq <= ack || (seq > ack + 1 && held.has(seq))) {
      run = undefined;
      continue;
    }
    if (run) run.to = seq;
    else runs.push((run = { from: seq, to: seq }));
    stored += 1;
    if (seq !== ack + 1) {
      newPending.push(seq);
      anyPending = true;
    } else {
      ack = anyPending ? await advance(tx, deviceId, seq) : seq;
    }
  }
  if (runs.length > 0) {
    const readings = item.text ?? JSON.stringify(batch);
    await tx.insert(edgeIngestBatches).values(runs.map((r) => ({ deviceId, seqFrom: r.from, seqTo: r.to, readings })));
  }
  await addPending(tx, deviceId, newPending, false);
  const lostTotal = state.lostTotal + dropped.lost;
  await tx.update(edgeIngestState).set({ ackSeq: ack, storedTotal: state.storedTotal + stored, lostTotal }).where(eq(edgeIngestState.deviceId, deviceId));
  await tx.update(edgeTargets).set({ lastSeen: now }).where(eq(edgeTargets.id, deviceId));
  const gaps = anyPending ? await gapsAbove(tx, deviceId, ack) : [];
  return { ackSeq: ack, stored, duplicates: batch.readings.length - stored, lost: dropped.lost, lostTotal, gaps };
}

/** One group commit: the devices' rows locked in id order, the set-based writes, then the per-batch path. */
function commitGroup(db: Db, items: IngestItem[], now: Date, onSetBasedError?: (err: unknown) => void): Promise<(IngestOutcome | Error)[]> {
  return db.transaction(async (tx) => {
    const devices = items.map((i) => i.deviceId);
    const plan = planGroup(items, await lockStates(tx, devices), await devicesWithPending(tx, devices));
    let outcomes: (IngestOutcome | Error | undefined)[] = plan.outcomes;
    let slow = plan.slow;
    if (slow.length < items.length) {
      try {
        await tx.transaction((sp) => writePlan(sp, plan, now));
      } catch (err) {
        // Not expected (the plan only continues rows it holds locked): each batch then takes its own way.
        onSetBasedError?.(err);
        outcomes = items.map(() => undefined);
        slow = items.map((_, i) => i);
      }
    }
    for (const i of slow) {
      try {
        outcomes[i] = await tx.transaction((sp) => ingestOne(sp, items[i]!, now));
      } catch (err) {
        outcomes[i] = err instanceof Error ? err : new Error(String(err));
      }
    }
    return outcomes as (IngestOutcome | Error)[];
  });
}

/**
 * The per-batch write path of telemetry. One batch is one transaction (or one savepoint of a group commit): the
 * readings go into the journal (one row per contiguous run, not per reading) and the contiguous acknowledgement
 * moves in the same commit, so a crash either keeps both or neither, and a replay finds every stored sequence.
 * The device's state row is locked first, so two writers of one device (replicas) take turns.
 */
export function createIngestWriter(db: Db) {
  return {
    ingest(deviceId: string, batch: TelemetryBatch, now: Date): Promise<IngestOutcome> {
      return db.transaction((tx) => ingestOne(tx, { deviceId, batch }, now));
    },

    /**
     * Group commit: many batches (of any devices) in one transaction. The devices' state rows are locked first,
     * in id order; the batches that continue their device's sequence are written set-based (ingest-group.ts),
     * the rest each in its own savepoint, so a failing batch takes only itself back. A batch ahead of its device
     * that may wait comes back as `'wait'`, unwritten, before any transaction (ingest-group.ts aheadOfCommitted).
     */
    async ingestMany(items: IngestItem[], now: Date, onSetBasedError?: (err: unknown) => void): Promise<(IngestOutcome | Error | 'wait')[]> {
      const early = await aheadOfCommitted(db, items);
      const outcomes: (IngestOutcome | Error | 'wait')[] = items.map(() => 'wait');
      const rest = items.flatMap((_, i) => (early.has(i) ? [] : [i]));
      if (rest.length === 0) return outcomes;
      const done = await commitGroup(db, rest.map((i) => items[i]!), now, onSetBasedError);
      rest.forEach((i, k) => { outcomes[i] = done[k]!; });
      return outcomes;
    },

    /**
     * Journaled readings of a device up to its acknowledged sequence (and `throughSeq`), in sequence order, in
     * whole runs: at least `limit` readings when that many wait (a hand-over completes whole runs only).
     */
    async journalRows(deviceId: string, limit: number, throughSeq?: number): Promise<JournalRow[]> {
      const [state] = await db.select({ ackSeq: edgeIngestState.ackSeq }).from(edgeIngestState).where(eq(edgeIngestState.deviceId, deviceId));
      const ack = state?.ackSeq ?? 0;
      const upTo = Math.min(ack, throughSeq ?? ack);
      const rows: JournalRow[] = [];
      let after = -1;
      while (rows.length < limit) {
        const page = await db.select({ from: edgeIngestBatches.seqFrom, to: edgeIngestBatches.seqTo, readings: edgeIngestBatches.readings })
          .from(edgeIngestBatches)
          .where(and(eq(edgeIngestBatches.deviceId, deviceId), lte(edgeIngestBatches.seqTo, upTo), gt(edgeIngestBatches.seqFrom, after)))
          .orderBy(asc(edgeIngestBatches.seqFrom)).limit(RUN_PAGE);
        for (const r of page) {
          unpackRun(r.from, r.to, r.readings, rows);
          after = r.from;
          if (rows.length >= limit) break;
        }
        if (page.length < RUN_PAGE) break;
      }
      return rows;
    },
  };
}
