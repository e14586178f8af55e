import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTelemetryBatch } from '@prometheus/protocol';
import type { CommandRouter } from '../link/router.js';
import type { LinkSession } from '../link/session.js';
import { createLogger } from '../logger.js';
import { createForwarder } from './forwarder.js';
import { openSqlite } from './open-db.js';
import { Outbox } from './outbox.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function outbox(): Outbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forwarder-'));
  dirs.push(dir);
  return new Outbox(openSqlite(path.join(dir, 'outbox.db')), { maxRows: 10_000, maxBytes: 100_000_000 });
}

/** A link that is up and records what is published. */
function recordingLink() {
  const sent: string[] = [];
  const link = { connected: true, publish: (_leaf: string, payload: string | Buffer) => (sent.push(payload.toString()), Promise.resolve()) };
  return { sent, link: link as unknown as LinkSession };
}
const router = { on: () => undefined } as unknown as CommandRouter;
/** A controller with `points` points: each reading is about 30 bytes a point. */
const wide = (n: number, points: number, from = 0) => Array.from({ length: n }, (_, i) => ({
  ts: 1_700_000_000_000 + (from + i) * 1000,
  values: Object.fromEntries(Array.from({ length: points }, (_, p) => [`AHU1_POINT_${String(p).padStart(4, '0')}`, 55.123 + p])),
}));

describe('forwarder', () => {
  it('keeps each telemetry message within max_batch_bytes, fewer readings when they are wide, every sequence sent once', async () => {
    const box = outbox();
    box.append(wide(40, 100));
    const { sent, link } = recordingLink();
    const forwarder = createForwarder({ batchSize: 50, maxBatchBytes: 16 * 1024, maxInflightBatches: 100, ackTimeoutMs: 20_000 }, box, link, router, createLogger('silent'));
    forwarder.nudge();
    await new Promise((r) => setImmediate(r));
    const batches = sent.map((p) => ({ bytes: Buffer.byteLength(p), batch: parseTelemetryBatch(p)! }));
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(b.bytes).toBeLessThanOrEqual(16 * 1024);
    const seqs = batches.flatMap((b) => b.batch.readings.map((_, i) => b.batch.seq_from + i));
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('sends a reading wider than max_batch_bytes on its own rather than never', async () => {
    const box = outbox();
    box.append(wide(3, 400));
    const { sent, link } = recordingLink();
    const forwarder = createForwarder({ batchSize: 50, maxBatchBytes: 4096, maxInflightBatches: 100, ackTimeoutMs: 20_000 }, box, link, router, createLogger('silent'));
    forwarder.nudge();
    await new Promise((r) => setImmediate(r));
    expect(sent.map((p) => parseTelemetryBatch(p)!.readings.length)).toEqual([1, 1, 1]);
  });
});
