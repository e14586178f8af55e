import { inArray, sql } from 'drizzle-orm';
import type { TelemetryBatch } from '@prometheus/protocol';
import type { Db, Tx } from '../../db/client.js';
import { dialectOf } from '../../db/portable.js';
import { edgeIngestBatches, edgeIngestState, edgePendingSeqs, edgeTargets } from '../../db/schema/index.js';
import type { IngestOutcome } from './ingest-repo.js';

// The set-based path of a group commit. Nearly every batch continues its device's acknowledged sequence (or
// repeats part of it): nothing pending above the acknowledgement, no dropped range beyond it. Those batches of a
// whole group are written with a fixed handful of statements (lock the devices' state rows, look for pending
// sequences, one multi-row journal insert, one state upsert, one last-seen update) instead of ~7 round trips each;
// on PostgreSQL those round trips, not the rows, bounded a replica's ingest. Every other batch of a device, from
// its first irregular one on, takes the per-batch path (ingest-writer.ts ingestOne) after these writes.

/** A batch to store: its parsed form, and the payload text it came as (stored as is when given). */
export interface IngestItem {
  deviceId: string;
  batch: TelemetryBatch;
  text?: string | undefined;
  /** The batch may be handed back unwritten when it runs ahead of its device (the earlier one is on its way). */
  mayWait?: boolean | undefined;
}

interface DeviceState {
  ackSeq: number;
  storedTotal: number;
  lostTotal: number;
}

export interface GroupPlan {
  /** Outcomes of the batches written here; undefined for the ones left to the per-batch path. */
  outcomes: (IngestOutcome | undefined)[];
  /** Indexes of the batches left to the per-batch path, in arrival order. */
  slow: number[];
  runs: { deviceId: string; seqFrom: number; seqTo: number; readings: string }[];
  /** State after the planned batches, of the devices whose acknowledgement moved. */
  moved: Map<string, DeviceState>;
  /** Devices with a planned batch (their last-seen moves). */
  seen: string[];
}

/** Rows or ids per statement (PostgreSQL takes at most 65,535 parameters a statement, SQLite 32,766). */
const CHUNK = 5000;

function chunks<T>(list: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

const idList = (ids: string[]) => sql.join(ids.map((id) => sql`${id}`), sql`, `);

async function readStates(tx: Tx, ids: string[], into: Map<string, DeviceState>): Promise<void> {
  for (const part of chunks(ids)) {
    // PostgreSQL: rows locked in id order, so replicas committing overlapping groups never deadlock; SQLite
    // writes one transaction at a time.
    const chosen = dialectOf(tx) === 'postgres'
      ? sql`(select device_id from edge_ingest_state where device_id in (${idList(part)}) order by device_id for update)`
      : sql`(${idList(part)})`;
    const rows = await tx.select({ deviceId: edgeIngestState.deviceId, ackSeq: edgeIngestState.ackSeq, storedTotal: edgeIngestState.storedTotal, lostTotal: edgeIngestState.lostTotal })
      .from(edgeIngestState).where(sql`${edgeIngestState.deviceId} in ${chosen}`);
    for (const { deviceId, ...state } of rows) into.set(deviceId, state);
  }
}

/** The state rows of `devices`, locked until commit; a device's first batch creates its row. */
export async function lockStates(tx: Tx, devices: string[]): Promise<Map<string, DeviceState>> {
  const sorted = [...new Set(devices)].sort();
  const states = new Map<string, DeviceState>();
  await readStates(tx, sorted, states);
  const missing = sorted.filter((id) => !states.has(id));
  if (missing.length > 0) {
    for (const part of chunks(missing)) await tx.insert(edgeIngestState).values(part.map((deviceId) => ({ deviceId }))).onConflictDoNothing();
    await readStates(tx, missing, states);
  }
  return states;
}

/** Of `devices`, those with sequences stored (or declared dropped) above their acknowledgement. */
export async function devicesWithPending(tx: Tx, devices: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunks([...new Set(devices)])) {
    const rows = await tx.selectDistinct({ deviceId: edgePendingSeqs.deviceId }).from(edgePendingSeqs).where(inArray(edgePendingSeqs.deviceId, part));
    for (const r of rows) found.add(r.deviceId);
  }
  return found;
}

/**
 * Walks the group in arrival order. A batch is planned here when it keeps its device contiguous: it starts at or
 * below the next expected sequence, and every dropped range it declares is already acknowledged. A device's
 * first other batch, and all its batches after it, are left to the per-batch path, which then reads the state
 * these writes leave.
 */
export function planGroup(items: IngestItem[], states: Map<string, DeviceState>, pending: Set<string>): GroupPlan {
  const plan: GroupPlan = { outcomes: items.map(() => undefined), slow: [], runs: [], moved: new Map(), seen: [] };
  const irregular = new Set(pending);
  const working = new Map<string, DeviceState>();
  items.forEach((item, i) => {
    const { deviceId, batch } = item;
    const state = working.get(deviceId) ?? { ...states.get(deviceId)! };
    const contiguous = batch.readings.length === 0 || batch.seq_from <= state.ackSeq + 1;
    if (irregular.has(deviceId) || !contiguous || batch.dropped.some((r) => r.to > state.ackSeq)) {
      irregular.add(deviceId);
      plan.slow.push(i);
      return;
    }
    if (!working.has(deviceId)) plan.seen.push(deviceId);
    working.set(deviceId, state);
    const seqTo = batch.seq_from + batch.readings.length - 1;
    const stored = Math.max(0, seqTo - state.ackSeq);
    if (stored > 0) {
      plan.runs.push({ deviceId, seqFrom: state.ackSeq + 1, seqTo, readings: item.text ?? JSON.stringify(batch) });
      state.ackSeq = seqTo;
      state.storedTotal += stored;
      plan.moved.set(deviceId, state);
    }
    plan.outcomes[i] = { ackSeq: state.ackSeq, stored, duplicates: batch.readings.length - stored, lost: 0, lostTotal: state.lostTotal, gaps: [] };
  });
  return plan;
}

/** The planned writes: journal runs, then the moved acknowledgements, then last-seen. */
export async function writePlan(tx: Tx, plan: GroupPlan, now: Date): Promise<void> {
  for (const part of chunks(plan.runs)) await tx.insert(edgeIngestBatches).values(part);
  const moved = [...plan.moved].map(([deviceId, s]) => ({ deviceId, ackSeq: s.ackSeq, storedTotal: s.storedTotal, lostTotal: s.lostTotal }));
  for (const part of chunks(moved)) {
    await tx.insert(edgeIngestState).values(part).onConflictDoUpdate({
      target: edgeIngestState.deviceId,
      set: { ackSeq: sql`excluded.ack_seq`, storedTotal: sql`excluded.stored_total` },
    });
  }
  for (const part of chunks(plan.seen)) await tx.update(edgeTargets).set({ lastSeen: now }).where(inArray(edgeTargets.id, part));
}

/**
 * Batches that may wait and run ahead of their device by its last committed state, read without a lock: handed
 * back before any transaction, so a retry never holds the device rows the other replica's commit needs. With
 * replicas sharing a subscription the batch before is usually committing next door; waiting for it keeps the
 * device on the set-based path, and brings one with pending sequences back to it. An acknowledgement only moves
 * forward, so a batch that passes here is not ahead under the lock either.
 */
export async function aheadOfCommitted(db: Db, items: IngestItem[]): Promise<Set<number>> {
  const ahead = new Set<number>();
  const ids = [...new Set(items.filter((i) => i.mayWait).map((i) => i.deviceId))];
  if (ids.length === 0) return ahead;
  const acks = new Map<string, number>();
  for (const part of chunks(ids)) {
    const rows = await db.select({ deviceId: edgeIngestState.deviceId, ackSeq: edgeIngestState.ackSeq }).from(edgeIngestState).where(inArray(edgeIngestState.deviceId, part));
    for (const r of rows) acks.set(r.deviceId, r.ackSeq);
  }
  // A batch that continues its device passes even behind one of the device's batches handed back: it is the one
  // that batch waits for (holding it too would make both wait out the limit).
  items.forEach((item, i) => {
    if (!item.mayWait) return;
    const { deviceId, batch } = item;
    const ack = acks.get(deviceId) ?? 0;
    if (batch.readings.length > 0 && batch.seq_from > ack + 1) {
      ahead.add(i);
    } else {
      acks.set(deviceId, Math.max(ack, batch.seq_from + batch.readings.length - 1)); // written before the next
    }
  });
  return ahead;
}
