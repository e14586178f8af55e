import type Database from 'better-sqlite3';
import type { SeqRange, TelemetryBatch } from '@prometheus/protocol';
import type { IngestOutcome, JournalRow } from './ingest-repo.js';

const MAX_GAPS = 100;

/** A batch to store: its parsed form, and the payload text it came as (stored as is when given). */
export interface IngestItem {
  deviceId: string;
  batch: TelemetryBatch;
  text?: string | undefined;
}

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

/**
 * The per-batch write path of telemetry: prepared statements on the raw handle (bulk ingest), since it runs once
 * per MQTT publish of every agent. One batch is one transaction (or one savepoint of a group commit): the readings
 * go into the journal (one row per contiguous run, not per reading) and the contiguous acknowledgement moves in the same commit, so a crash either keeps both or
 * neither, and a replay finds every stored sequence.
 */
export function createIngestWriter(sqlite: Database.Database) {
  const q = {
    state: sqlite.prepare<[string], { ack_seq: number; stored_total: number; lost_total: number }>(
      'SELECT ack_seq, stored_total, lost_total FROM edge_ingest_state WHERE device_id = ?'),
    newState: sqlite.prepare('INSERT INTO edge_ingest_state (device_id) VALUES (?)'),
    saveState: sqlite.prepare('UPDATE edge_ingest_state SET ack_seq = ?, stored_total = ?, lost_total = ? WHERE device_id = ?'),
    seen: sqlite.prepare('UPDATE edge_targets SET last_seen = ? WHERE id = ?'),
    journal: sqlite.prepare('INSERT INTO edge_ingest_batches (device_id, seq_from, seq_to, readings) VALUES (?, ?, ?, ?)'),
    anyPending: sqlite.prepare('SELECT 1 FROM edge_pending_seqs WHERE device_id = ? LIMIT 1').pluck(),
    pendingAt: sqlite.prepare('SELECT 1 FROM edge_pending_seqs WHERE device_id = ? AND seq = ?').pluck(),
    addPending: sqlite.prepare('INSERT OR IGNORE INTO edge_pending_seqs (device_id, seq, lost) VALUES (?, ?, ?)'),
    dropPending: sqlite.prepare('DELETE FROM edge_pending_seqs WHERE device_id = ? AND seq <= ?'),
    countPending: sqlite.prepare('SELECT count(*) FROM edge_pending_seqs WHERE device_id = ? AND seq BETWEEN ? AND ?').pluck(),
    journalRuns: sqlite.prepare<[string, number], { seq_from: number; seq_to: number; readings: string }>(
      'SELECT seq_from, seq_to, readings FROM edge_ingest_batches WHERE device_id = ? AND seq_to <= ? ORDER BY seq_from'),
    pendingList: sqlite.prepare('SELECT seq FROM edge_pending_seqs WHERE device_id = ? ORDER BY seq LIMIT 100000').pluck(),
  };

  /** Moves ackSeq over every pending sequence that now follows it. */
  function advance(deviceId: string, ackSeq: number): number {
    let ack = ackSeq;
    while (q.pendingAt.get(deviceId, ack + 1) !== undefined) ack += 1;
    q.dropPending.run(deviceId, ack);
    return ack;
  }

  /** Dropped ranges: sequences the agent will never send. The ones not stored count as lost. */
  function applyDropped(deviceId: string, ackSeq: number, dropped: SeqRange[]): { ack: number; lost: number } {
    let ack = ackSeq;
    let lost = 0;
    for (const range of [...dropped].sort((a, b) => a.from - b.from)) {
      if (range.to <= ack) continue;
      const from = Math.max(range.from, ack + 1);
      lost += range.to - from + 1 - (q.countPending.get(deviceId, from, range.to) as number);
      if (from === ack + 1) {
        ack = advance(deviceId, range.to);
      } else {
        // A dropped range beyond a gap (rare: earlier readings still in flight): remember each sequence as lost.
        for (let s = from; s <= range.to; s += 1) q.addPending.run(deviceId, s, 1);
      }
    }
    return { ack, lost };
  }

  function gapsAbove(deviceId: string, ack: number): SeqRange[] {
    const gaps: SeqRange[] = [];
    let expected = ack + 1;
    for (const seq of q.pendingList.all(deviceId) as number[]) {
      if (seq > expected && gaps.length < MAX_GAPS) gaps.push({ from: expected, to: seq - 1 });
      expected = seq + 1;
    }
    return gaps;
  }

  const ingestTx = sqlite.transaction((deviceId: string, batch: TelemetryBatch, now: number, text?: string): IngestOutcome => {
    let state = q.state.get(deviceId);
    if (!state) {
      q.newState.run(deviceId);
      state = { ack_seq: 0, stored_total: 0, lost_total: 0 };
    }
    const dropped = applyDropped(deviceId, state.ack_seq, batch.dropped);
    let ack = dropped.ack;
    let anyPending = q.anyPending.get(deviceId) !== undefined;
    let stored = 0;
    // One journal row per contiguous run of stored sequences (usually the whole batch), holding the payload as
    // received: no re-serialising on the hot path; the hand-over parses it once (journalRows).
    let run: { from: number; to: number } | undefined;
    const flushRun = () => {
      if (run) q.journal.run(deviceId, run.from, run.to, text ?? JSON.stringify(batch));
      run = undefined;
    };
    batch.readings.forEach((_reading, i) => {
      const seq = batch.seq_from + i;
      if (seq <= ack || (anyPending && seq > ack + 1 && q.pendingAt.get(deviceId, seq) !== undefined)) return flushRun();
      if (run) run.to = seq;
      else run = { from: seq, to: seq };
      stored += 1;
      if (seq !== ack + 1) {
        q.addPending.run(deviceId, seq, 0);
        anyPending = true;
      } else {
        ack = anyPending ? advance(deviceId, seq) : seq;
      }
    });
    flushRun();
    const lostTotal = state.lost_total + dropped.lost;
    q.saveState.run(ack, state.stored_total + stored, lostTotal, deviceId);
    q.seen.run(now, deviceId);
    const gaps = anyPending ? gapsAbove(deviceId, ack) : [];
    return { ackSeq: ack, stored, duplicates: batch.readings.length - stored, lost: dropped.lost, lostTotal, gaps };
  });

  // Inside an open transaction a transaction function runs as a SAVEPOINT (better-sqlite3).
  const ingestAll = sqlite.transaction((items: IngestItem[], now: number) => items.map((item) => {
    try {
      return ingestTx(item.deviceId, item.batch, now, item.text);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }));

  return {
    ingest(deviceId: string, batch: TelemetryBatch, now: Date): IngestOutcome {
      return ingestTx.immediate(deviceId, batch, now.getTime());
    },

    /**
     * Group commit: many batches (of any devices) in one transaction, each in its own savepoint, so one
     * commit covers a burst of publishes and a failing batch takes only itself back.
     */
    ingestMany(items: IngestItem[], now: Date): (IngestOutcome | Error)[] {
      return ingestAll.immediate(items, now.getTime());
    },

    /**
     * Journaled readings of a device up to its acknowledged sequence (and `throughSeq`), in sequence order, in
     * whole runs: at least `limit` readings when that many wait (a hand-over completes whole runs only).
     */
    journalRows(deviceId: string, limit: number, throughSeq?: number): JournalRow[] {
      const ack = (q.state.get(deviceId)?.ack_seq) ?? 0;
      const rows: JournalRow[] = [];
      for (const r of q.journalRuns.iterate(deviceId, Math.min(ack, throughSeq ?? ack))) {
        unpackRun(r.seq_from, r.seq_to, r.readings, rows);
        if (rows.length >= limit) break;
      }
      return rows;
    },
  };
}
