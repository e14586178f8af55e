import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { SeqRange, TelemetryBatch } from '@prometheus/protocol';
import type { Db } from '../../db/client.js';
import { edgeIngestJournal, edgeIngestState, edgePendingSeqs, edgeTargets } from '../../db/schema/index.js';

export type IngestState = typeof edgeIngestState.$inferSelect;
export type JournalRow = typeof edgeIngestJournal.$inferSelect;

export interface IngestOutcome {
  ackSeq: number;
  stored: number;
  duplicates: number;
  lost: number;
  lostTotal: number;
  gaps: SeqRange[];
}

const MAX_GAPS = 100;

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * The idempotency record of telemetry, all SQL of it. One batch is one SQLite transaction: the readings
 * go into the journal and the contiguous acknowledgement moves in the same commit, so a crash either
 * keeps both or neither, and a replay finds every stored sequence.
 */
export function createIngestRepo(db: Db) {
  const pendingAt = (tx: Tx, deviceId: string, seq: number) =>
    tx.select().from(edgePendingSeqs).where(and(eq(edgePendingSeqs.deviceId, deviceId), eq(edgePendingSeqs.seq, seq))).get();

  /** Moves ackSeq over every pending sequence that now follows it (nothing to look up when none are pending). */
  function advance(tx: Tx, deviceId: string, ackSeq: number, anyPending = true): number {
    let ack = ackSeq;
    if (!anyPending) return ack;
    for (let next = pendingAt(tx, deviceId, ack + 1); next; next = pendingAt(tx, deviceId, ack + 1)) ack += 1;
    tx.delete(edgePendingSeqs).where(and(eq(edgePendingSeqs.deviceId, deviceId), lte(edgePendingSeqs.seq, ack))).run();
    return ack;
  }

  /** Dropped ranges: sequences the agent will never send. The ones not stored count as lost. */
  function applyDropped(tx: Tx, deviceId: string, ackSeq: number, dropped: SeqRange[]): { ack: number; lost: number } {
    let ack = ackSeq;
    let lost = 0;
    for (const range of [...dropped].sort((a, b) => a.from - b.from)) {
      if (range.to <= ack) continue;
      const from = Math.max(range.from, ack + 1);
      const have = tx.select({ n: sql<number>`count(*)` }).from(edgePendingSeqs)
        .where(and(eq(edgePendingSeqs.deviceId, deviceId), gt(edgePendingSeqs.seq, from - 1), lte(edgePendingSeqs.seq, range.to))).get()?.n ?? 0;
      lost += range.to - from + 1 - have;
      if (from === ack + 1) {
        ack = advance(tx, deviceId, range.to);
      } else {
        // A dropped range beyond a gap (rare: earlier readings still in flight): remember each sequence as lost.
        for (let s = from; s <= range.to; s += 1) {
          tx.insert(edgePendingSeqs).values({ deviceId, seq: s, lost: true }).onConflictDoNothing().run();
        }
      }
    }
    return { ack, lost };
  }

  function gapsAbove(tx: Tx, deviceId: string, ack: number): SeqRange[] {
    const pending = tx.select({ seq: edgePendingSeqs.seq }).from(edgePendingSeqs)
      .where(eq(edgePendingSeqs.deviceId, deviceId)).orderBy(asc(edgePendingSeqs.seq)).limit(100_000).all();
    const gaps: SeqRange[] = [];
    let expected = ack + 1;
    for (const { seq } of pending) {
      if (seq > expected && gaps.length < MAX_GAPS) gaps.push({ from: expected, to: seq - 1 });
      expected = seq + 1;
    }
    return gaps;
  }

  return {
    ingest(deviceId: string, batch: TelemetryBatch, now: Date): IngestOutcome {
      return db.transaction((tx) => {
        const state = tx.select().from(edgeIngestState).where(eq(edgeIngestState.deviceId, deviceId)).get()
          ?? tx.insert(edgeIngestState).values({ deviceId }).returning().get();
        const dropped = applyDropped(tx, deviceId, state.ackSeq, batch.dropped);
        const lost = dropped.lost;
        let ack = dropped.ack;
        let anyPending = tx.select({ seq: edgePendingSeqs.seq }).from(edgePendingSeqs).where(eq(edgePendingSeqs.deviceId, deviceId)).limit(1).get() !== undefined;
        let stored = 0;
        batch.readings.forEach((reading, i) => {
          const seq = batch.seq_from + i;
          if (seq <= ack || (anyPending && seq > ack + 1 && pendingAt(tx, deviceId, seq))) return;
          tx.insert(edgeIngestJournal).values({ deviceId, seq, ts: reading.ts, values: JSON.stringify(reading.values) }).run();
          stored += 1;
          if (seq === ack + 1) {
            ack = advance(tx, deviceId, seq, anyPending);
          } else {
            tx.insert(edgePendingSeqs).values({ deviceId, seq }).run();
            anyPending = true;
          }
        });
        const lostTotal = state.lostTotal + lost;
        tx.update(edgeIngestState).set({ ackSeq: ack, storedTotal: state.storedTotal + stored, lostTotal })
          .where(eq(edgeIngestState.deviceId, deviceId)).run();
        tx.update(edgeTargets).set({ lastSeen: now }).where(eq(edgeTargets.id, deviceId)).run();
        const gaps = anyPending ? gapsAbove(tx, deviceId, ack) : [];
        return { ackSeq: ack, stored, duplicates: batch.readings.length - stored, lost, lostTotal, gaps };
      }, { behavior: 'immediate' });
    },

    async state(deviceId: string): Promise<IngestState | undefined> {
      return db.select().from(edgeIngestState).where(eq(edgeIngestState.deviceId, deviceId)).get();
    },

    /** Journal rows of a device up to its acknowledged sequence (and `throughSeq`), in sequence order. */
    async journal(deviceId: string, limit: number, throughSeq?: number): Promise<JournalRow[]> {
      const ack = db.select({ a: edgeIngestState.ackSeq }).from(edgeIngestState).where(eq(edgeIngestState.deviceId, deviceId)).get()?.a ?? 0;
      return db.select().from(edgeIngestJournal)
        .where(and(eq(edgeIngestJournal.deviceId, deviceId), lte(edgeIngestJournal.seq, Math.min(ack, throughSeq ?? ack))))
        .orderBy(asc(edgeIngestJournal.seq)).limit(limit).all();
    },

    async devicesWithJournal(): Promise<string[]> {
      return db.selectDistinct({ id: edgeIngestJournal.deviceId }).from(edgeIngestJournal).all().map((r) => r.id);
    },

    async markInflight(deviceId: string, throughSeq: number, count: number): Promise<void> {
      db.update(edgeIngestState).set({ syncInflightTo: throughSeq, syncInflightCount: count })
        .where(eq(edgeIngestState.deviceId, deviceId)).run();
    },

    /** The dataset holds the hand-over: drop it from the journal and move the synced count, in one commit. */
    async completeHandover(deviceId: string, throughSeq: number, count: number): Promise<void> {
      db.transaction((tx) => {
        tx.delete(edgeIngestJournal).where(and(eq(edgeIngestJournal.deviceId, deviceId), lte(edgeIngestJournal.seq, throughSeq))).run();
        tx.update(edgeIngestState)
          .set({ datasetSynced: sql`${edgeIngestState.datasetSynced} + ${count}`, syncInflightTo: null, syncInflightCount: null })
          .where(eq(edgeIngestState.deviceId, deviceId)).run();
      });
    },
  };
}

export type IngestRepo = ReturnType<typeof createIngestRepo>;
