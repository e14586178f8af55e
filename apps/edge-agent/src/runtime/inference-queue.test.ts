import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../outbox/open-db.js';
import { InferenceQueue } from './inference-queue.js';

const scores = (ts: number) => ({ v: 1 as const, kind: 'scores' as const, deployment_id: 'dep_abcdef', model_id: 'mdl_x', scores: [{ ts, score: 1, anomaly: false }] });
const alert = (ts: number) => ({
  v: 1 as const, kind: 'alert' as const, deployment_id: 'dep_abcdef', model_id: 'mdl_x',
  alert: { id: `dep_abcdef-${ts}`, state: 'raised' as const, raised_at: ts, cleared_at: null, peak_score: 3, threshold: 1, message: 'x' },
});

describe('inference queue', () => {
  it('keeps messages in order across a reopen, numbers them, and past the bound drops the oldest scores but no alert', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'inference-queue-')), 'inference.db');
    let q = new InferenceQueue(openSqlite(file), 100);
    q.push(scores(1));
    q.push(alert(2));
    q.push(scores(3));
    q.close();
    q = new InferenceQueue(openSqlite(file), 100);
    const first = q.peek(10);
    expect(first.map((m) => [m.seq, m.kind])).toEqual([[1, 'scores'], [2, 'alert'], [3, 'scores']]);
    q.remove(1);
    for (let i = 0; i < 150; i++) q.push(scores(10 + i));
    expect(q.depth()).toBe(100);
    const kept = q.peek(1000);
    expect(kept.filter((m) => m.kind === 'alert')).toHaveLength(1);
    expect(kept.at(-1)).toMatchObject({ kind: 'scores', scores: [{ ts: 159 }] });
    q.setMeta('alert:dep_abcdef', '{"above":1}');
    expect(q.meta('alert:dep_abcdef')).toBe('{"above":1}');
    q.close();
  });
});
