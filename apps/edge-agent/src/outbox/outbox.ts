import type { Reading, SeqRange } from '@prometheus/protocol';
import type { SqliteDb } from './open-db.js';

export interface OutboxBound {
  maxRows: number;
  maxBytes: number;
}

export interface OutboxRow {
  seq: number;
  reading: Reading;
}

export interface OutboxStats {
  depth: number;
  bytes: number;
  droppedTotal: number;
  ackedSeq: number;
  lastSeq: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS readings (seq INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, payload TEXT NOT NULL, bytes INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS drops (from_seq INTEGER PRIMARY KEY, to_seq INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

const EVICT_CHUNK = 1000;

/**
 * Store-and-forward queue of readings. Each reading gets the next sequence number (AUTOINCREMENT: never
 * reused, even after the table empties) in the same commit that moves the source position, so a reading is
 * taken from the source exactly once. Rows leave only when the hub acknowledges their sequence, or when the
 * bound evicts the oldest: the evicted ranges are kept until acknowledged so the hub learns what was lost.
 */
export class Outbox {
  private readonly appendListeners: ((readings: Reading[]) => void)[] = [];
  private depth = 0;
  private bytes = 0;
  private droppedTotal = 0;
  private ackedSeq = 0;

  constructor(private readonly db: SqliteDb, private readonly bound: OutboxBound) {
    db.exec(SCHEMA);
    const totals = db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM readings').get() as { n: number; b: number };
    this.depth = totals.n;
    this.bytes = totals.b;
    this.droppedTotal = Number(this.meta('dropped_total') ?? 0);
    this.ackedSeq = Number(this.meta('acked_seq') ?? 0);
  }

  meta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  private setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** Appends readings and, in the same commit, the source position they were read up to. Returns their sequences. */
  append(readings: Reading[], position?: { key: string; value: string }): { first: number; last: number } | undefined {
    const insert = this.db.prepare('INSERT INTO readings (ts, payload, bytes) VALUES (?, ?, ?)');
    const run = this.db.transaction(() => {
      let first = 0;
      let last = 0;
      let added = 0;
      for (const r of readings) {
        const payload = JSON.stringify(r.values);
        const seq = Number(insert.run(r.ts, payload, payload.length + 16).lastInsertRowid);
        first ||= seq;
        last = seq;
        added += payload.length + 16;
      }
      if (position) this.setMeta(position.key, position.value);
      const evicted = this.evict(this.depth + readings.length, this.bytes + added);
      return { first, last, depth: this.depth + readings.length - evicted.rows, bytes: this.bytes + added - evicted.bytes };
    });
    const out = run.immediate();
    this.depth = out.depth;
    this.bytes = out.bytes;
    for (const listener of this.appendListeners) listener(readings);
    return readings.length > 0 ? { first: out.first, last: out.last } : undefined;
  }

  /** Drop-oldest until within the bound; the evicted sequence ranges are recorded and counted. */
  private evict(depth: number, bytes: number): { rows: number; bytes: number } {
    let rows = 0;
    let freed = 0;
    const oldest = this.db.prepare('SELECT seq, bytes FROM readings ORDER BY seq LIMIT ?');
    while (depth - rows > this.bound.maxRows || bytes - freed > this.bound.maxBytes) {
      const over = Math.max(depth - rows - this.bound.maxRows, 1);
      const chunk = oldest.all(Math.min(EVICT_CHUNK, over)) as { seq: number; bytes: number }[];
      const first = chunk[0];
      const last = chunk.at(-1);
      if (!first || !last) break;
      this.db.prepare('DELETE FROM readings WHERE seq <= ?').run(last.seq);
      rows += chunk.length;
      freed += chunk.reduce((s, c) => s + c.bytes, 0);
      this.recordDrop(first.seq, last.seq);
    }
    if (rows > 0) {
      this.droppedTotal += rows;
      this.setMeta('dropped_total', String(this.droppedTotal));
    }
    return { rows, bytes: freed };
  }

  private recordDrop(from: number, to: number): void {
    const prev = this.db.prepare('SELECT from_seq AS "from", to_seq AS "to" FROM drops ORDER BY from_seq DESC LIMIT 1').get() as SeqRange | undefined;
    if (prev && prev.to + 1 === from) this.db.prepare('UPDATE drops SET to_seq = ? WHERE from_seq = ?').run(to, prev.from);
    else this.db.prepare('INSERT INTO drops (from_seq, to_seq) VALUES (?, ?)').run(from, to);
  }

  /** Called with every batch of readings once it is committed (runtime/ scores them). */
  onAppend(listener: (readings: Reading[]) => void): void {
    this.appendListeners.push(listener);
  }

  /** Unacknowledged readings after `afterSeq`, oldest first. */
  pending(afterSeq: number, limit: number): OutboxRow[] {
    const rows = this.db.prepare('SELECT seq, ts, payload FROM readings WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as
      { seq: number; ts: number; payload: string }[];
    return rows.map((r) => ({ seq: r.seq, reading: { ts: r.ts, values: JSON.parse(r.payload) as Reading['values'] } }));
  }

  /** Evicted ranges the hub has not acknowledged yet (oldest first). */
  droppedRanges(limit = 100): SeqRange[] {
    return this.db.prepare('SELECT from_seq AS "from", to_seq AS "to" FROM drops WHERE to_seq > ? ORDER BY from_seq LIMIT ?').all(this.ackedSeq, limit) as SeqRange[];
  }

  /** The hub stored (or knows lost) everything up to `seq`: forget it. */
  ack(seq: number): void {
    if (seq <= this.ackedSeq) return;
    const out = this.db.transaction(() => {
      const gone = this.db.prepare('SELECT count(*) AS n, coalesce(sum(bytes), 0) AS b FROM readings WHERE seq <= ?').get(seq) as { n: number; b: number };
      this.db.prepare('DELETE FROM readings WHERE seq <= ?').run(seq);
      this.db.prepare('DELETE FROM drops WHERE to_seq <= ?').run(seq);
      this.setMeta('acked_seq', String(seq));
      return gone;
    }).immediate();
    this.ackedSeq = seq;
    this.depth -= out.n;
    this.bytes -= out.b;
  }

  stats(): OutboxStats {
    const last = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'readings'").get() as { seq: number } | undefined;
    return { depth: this.depth, bytes: this.bytes, droppedTotal: this.droppedTotal, ackedSeq: this.ackedSeq, lastSeq: last?.seq ?? 0 };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
