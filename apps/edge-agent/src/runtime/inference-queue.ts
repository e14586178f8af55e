import type { InferenceMessage } from '@prometheus/protocol';
import type { SqliteDb } from '../outbox/open-db.js';

export type QueuedMessage = InferenceMessage extends infer M ? (M extends unknown ? Omit<M, 'seq'> : never) : never;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, payload TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * Scores and alerts waiting for the hub, in order, kept across restarts and outages (the store-and-forward
 * of `inference`). A message leaves only after the broker's PUBACK; its sequence number travels with it, so
 * the hub can store a resend idempotently. Past `maxQueued` the oldest scores go; alerts are never dropped.
 */
export class InferenceQueue {
  constructor(private readonly db: SqliteDb, private readonly maxQueued: number) {
    db.exec(SCHEMA);
  }

  push(message: QueuedMessage): number {
    const seq = Number(this.db.prepare('INSERT INTO messages (kind, payload) VALUES (?, ?)').run(message.kind, JSON.stringify(message)).lastInsertRowid);
    const over = this.depth() - this.maxQueued;
    if (over > 0) this.db.prepare("DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE kind = 'scores' ORDER BY seq LIMIT ?)").run(over);
    return seq;
  }

  /** The oldest waiting messages, with their sequence numbers. */
  peek(limit: number): InferenceMessage[] {
    const rows = this.db.prepare('SELECT seq, payload FROM messages ORDER BY seq LIMIT ?').all(limit) as { seq: number; payload: string }[];
    return rows.map((r) => ({ ...(JSON.parse(r.payload) as QueuedMessage), seq: r.seq }) as InferenceMessage);
  }

  remove(seq: number): void {
    this.db.prepare('DELETE FROM messages WHERE seq = ?').run(seq);
  }

  depth(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
  }

  meta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
