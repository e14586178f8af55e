import { and, eq, lte, sql } from 'drizzle-orm';
import type { SeqRange } from '@prometheus/protocol';
import type { Db } from '../../db/client.js';
import { edgeIngestBatches, edgeIngestState } from '../../db/schema/index.js';
import { createIngestWriter } from './ingest-writer.js';

export type IngestState = typeof edgeIngestState.$inferSelect;
/** One journaled reading (runs are unpacked when read). */
export interface JournalRow {
  seq: number;
  ts: number;
  values: Record<string, number | null>;
}

export interface IngestOutcome {
  ackSeq: number;
  stored: number;
  duplicates: number;
  lost: number;
  lostTotal: number;
  gaps: SeqRange[];
}

/**
 * The idempotency record of telemetry: the per-batch write path (ingest-writer.ts) and the hand-over's
 * bookkeeping. Every sequence <= ackSeq is stored or known lost; edge_pending_seqs holds what arrived above it.
 */
export function createIngestRepo(db: Db) {
  const writer = createIngestWriter(db);
  return {
    ingest: writer.ingest,
    ingestMany: writer.ingestMany,

    async state(deviceId: string): Promise<IngestState | undefined> {
      return (await db.select().from(edgeIngestState).where(eq(edgeIngestState.deviceId, deviceId)))[0];
    },

    /** Journal rows of a device up to its acknowledged sequence (and `throughSeq`), in sequence order. */
    async journal(deviceId: string, limit: number, throughSeq?: number): Promise<JournalRow[]> {
      return writer.journalRows(deviceId, limit, throughSeq);
    },

    async devicesWithJournal(): Promise<string[]> {
      return (await db.selectDistinct({ id: edgeIngestBatches.deviceId }).from(edgeIngestBatches)).map((r) => r.id);
    },

    async markInflight(deviceId: string, throughSeq: number, count: number): Promise<void> {
      (await db.update(edgeIngestState).set({ syncInflightTo: throughSeq, syncInflightCount: count })
        .where(eq(edgeIngestState.deviceId, deviceId)));
    },

    /** The target's dataset was deleted and a new one begun: nothing is synced to it yet, nothing in flight. */
    async restartSync(deviceId: string): Promise<void> {
      (await db.update(edgeIngestState).set({ datasetSynced: 0, syncInflightTo: null, syncInflightCount: null })
        .where(eq(edgeIngestState.deviceId, deviceId)));
    },

    /** Readings with nowhere to go (a revoked target whose dataset was deleted) leave the journal. */
    async dropJournal(deviceId: string): Promise<number> {
      return db.transaction(async (tx) => {
        const n = (await tx.delete(edgeIngestBatches).where(eq(edgeIngestBatches.deviceId, deviceId)).returning({ seq: edgeIngestBatches.seqFrom })).length;
        await tx.update(edgeIngestState).set({ syncInflightTo: null, syncInflightCount: null }).where(eq(edgeIngestState.deviceId, deviceId));
        return n;
      });
    },

    /** The dataset holds the hand-over: drop it from the journal and move the synced count, in one commit. */
    async completeHandover(deviceId: string, throughSeq: number, count: number): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.delete(edgeIngestBatches).where(and(eq(edgeIngestBatches.deviceId, deviceId), lte(edgeIngestBatches.seqTo, throughSeq)));
        (await tx.update(edgeIngestState)
          .set({ datasetSynced: sql`${edgeIngestState.datasetSynced} + ${count}`, syncInflightTo: null, syncInflightCount: null })
          .where(eq(edgeIngestState.deviceId, deviceId)));
      });
    },
  };
}

export type IngestRepo = ReturnType<typeof createIngestRepo>;
