import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CACHE_KIB, openSqlite } from './open-db.js';
import { Outbox } from './outbox.js';

const dirs: string[] = [];
function open(bound = { maxRows: 1000, maxBytes: 1_000_000 }, dir?: string) {
  const d = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-'));
  if (!dir) dirs.push(d);
  return { outbox: new Outbox(openSqlite(path.join(d, 'outbox.db')), bound), dir: d };
}
const readings = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ ts: 1000 * (from + i), values: { t: from + i } }));
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('Outbox', () => {
  it('opens its database durable (WAL, synchronous FULL) with a bounded page cache', () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'outbox-'));
    dirs.push(d);
    const db = openSqlite(path.join(d, 'outbox.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    // Negative: KiB. better-sqlite3's own default is -16000 (16 MB a connection).
    expect(db.pragma('cache_size', { simple: true })).toBe(-CACHE_KIB);
    expect(CACHE_KIB).toBeLessThanOrEqual(2048);
    db.close();
  });

  it('numbers readings, moves the source position in the same commit, and keeps them until acknowledged', () => {
    const { outbox, dir } = open();
    expect(outbox.append(readings(5), { key: 'pos', value: '5' })).toEqual({ first: 1, last: 5 });
    expect(outbox.pending(2, 10).map((r) => r.seq)).toEqual([3, 4, 5]);
    outbox.ack(3);
    expect(outbox.stats()).toMatchObject({ depth: 2, ackedSeq: 3, lastSeq: 5 });
    outbox.close();
    // Reopened (as after kill -9): the same rows, the position, and sequences never reused.
    const again = open(undefined, dir).outbox;
    expect(again.meta('pos')).toBe('5');
    expect(again.pending(0, 10).map((r) => r.seq)).toEqual([4, 5]);
    outbox.close();
    again.ack(5);
    expect(again.append(readings(1))).toEqual({ first: 6, last: 6 });
    again.close();
  });

  it('evicts the oldest beyond the row bound, counting them and recording the ranges until acknowledged', () => {
    const { outbox } = open({ maxRows: 100, maxBytes: 1_000_000 });
    for (let i = 0; i < 25; i += 1) outbox.append(readings(10, i * 10));
    expect(outbox.stats()).toMatchObject({ depth: 100, droppedTotal: 150 });
    expect(outbox.droppedRanges()).toEqual([{ from: 1, to: 150 }]);
    expect(outbox.pending(0, 1)[0]?.seq).toBe(151);
    outbox.ack(200);
    expect(outbox.droppedRanges()).toEqual([]);
    expect(outbox.stats()).toMatchObject({ depth: 50, droppedTotal: 150 });
    outbox.close();
  });

  it('evicts by bytes too', () => {
    const { outbox } = open({ maxRows: 1_000_000, maxBytes: 10_000 });
    outbox.append(readings(1000));
    const s = outbox.stats();
    expect(s.bytes).toBeLessThanOrEqual(10_000);
    expect(s.depth + s.droppedTotal).toBe(1000);
    expect(outbox.droppedRanges()).toEqual([{ from: 1, to: s.droppedTotal }]);
    outbox.close();
  });
});
