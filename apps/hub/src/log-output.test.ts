import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogOutput } from './log-output.js';

/** A reader that takes nothing until `release()`: every write waits, as on a full pipe. */
function stalledReader() {
  const written: string[] = [];
  let pending: (() => void)[] = [];
  const stream = new Writable({
    decodeStrings: false,
    write(chunk: string, _encoding, done) {
      pending.push(() => {
        written.push(chunk);
        done();
      });
    },
  });
  return {
    stream, written,
    release() {
      // Each callback lets the next queued write through, which queues its own release.
      while (pending.length > 0) {
        const batch = pending;
        pending = [];
        for (const go of batch) go();
      }
    },
  };
}

const options = { maxQueuedBytes: 100, droppedLine: (n: number) => `dropped ${n}\n` };

describe('log output', () => {
  it('queues up to the bound, drops and counts the rest, and reports the count once lines flow again', () => {
    const reader = stalledReader();
    const out = createLogOutput(reader.stream, options);
    for (let i = 0; i < 30; i++) out.write(`line ${String(i).padStart(3, '0')}\n`);
    // 9-character lines: 11 fit the 100-byte queue.
    expect(out.dropped()).toBe(19);
    expect(reader.stream.writableLength).toBeLessThanOrEqual(100);
    reader.release();
    out.write('after\n');
    reader.release();
    expect(reader.written.slice(-2)).toEqual(['dropped 19\n', 'after\n']);
    expect(reader.written).toHaveLength(13);
  });

  it('drops everything once the reader is gone, without throwing', async () => {
    const stream = new Writable({ write: (_c, _e, done) => done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })) });
    const out = createLogOutput(stream, options);
    out.write('first\n');
    // The failure arrives after the write, as EPIPE does.
    await new Promise((r) => setImmediate(r));
    expect(() => out.write('second\n')).not.toThrow();
    out.write('third\n');
    expect(out.dropped()).toBe(2);
  });

  it('flush waits for the queue, but never longer than asked', async () => {
    const reader = stalledReader();
    const out = createLogOutput(reader.stream, options);
    out.write('held\n');
    const started = Date.now();
    await out.flush(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    const flushed = out.flush(10_000);
    reader.release();
    await flushed;
    // The held line, then the empty marker writes of both flushes.
    expect(reader.written).toEqual(['held\n', '', '']);
  });
});
