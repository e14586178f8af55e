import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAegisReader } from '../apps/edge-agent/src/aegis/aegis-reader.js';
import { createLogger } from '../apps/edge-agent/src/logger.js';
import { openSqlite } from '../apps/edge-agent/src/outbox/open-db.js';
import { Outbox } from '../apps/edge-agent/src/outbox/outbox.js';
import { startAegisDbFake, type AegisDbFake, type AegisDbFakeOptions } from './fakes/index.js';
import { range, samples } from './edge-link/harness.js';

// The agent's Aegis-DB reader against the fake server, without hub or broker: the controller deletes old
// documents while the agent runs, and every document still reaches the outbox exactly once.
const fakes: AegisDbFake[] = [];
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const COLLECTION = 'hardware_metrics';
const log = createLogger('silent');

async function rig(options: AegisDbFakeOptions = { mode: 'new', token: 't' }) {
  const db = await startAegisDbFake(options);
  fakes.push(db);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-resume-'));
  dirs.push(dir);
  const outbox = new Outbox(openSqlite(path.join(dir, 'outbox.db')), { maxRows: 1_000_000, maxBytes: 1e9 });
  /** A reader as a (re)started agent makes it: only the outbox carries state across. */
  const reader = (pageSize = 100, maxPerPoll = 250) =>
    createAegisReader({ url: db.url, token: options.token, collection: COLLECTION, pageSize, maxPerPoll, timeoutMs: 5000 }, outbox, log);
  const sampleNos = () => outbox.pending(0, 1_000_000).map((r) => r.reading.values.sample_no);
  /** The controller pruning its oldest documents (through the API, as it would). */
  const deleteOldest = async (n: number) => {
    const ids = db.documents(COLLECTION).slice(0, n).map((d) => String(d._id));
    for (const id of ids) {
      const res = await fetch(`${db.url}/api/v1/documents/collections/${COLLECTION}/documents/${id}`, {
        method: 'DELETE', headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
      });
      expect(res.status).toBe(200);
    }
  };
  return { db, outbox, reader, sampleNos, deleteOldest };
}

async function drain(reader: { poll(): Promise<number> }): Promise<void> {
  while ((await reader.poll()) > 0);
}

describe('aegis reader resume', () => {
  it('resumes by timestamp: old documents deleted mid-run shift nothing, each reading lands once', async () => {
    const r = await rig();
    r.db.insert(COLLECTION, samples(0, 600));
    expect(await r.reader().poll()).toBe(300);
    await r.deleteOldest(250);
    r.db.insert(COLLECTION, samples(600, 700));
    // A restarted agent: a new reader over the same outbox.
    await drain(r.reader());
    await r.deleteOldest(400);
    r.db.insert(COLLECTION, samples(700, 760));
    await drain(r.reader());
    expect(r.sampleNos()).toEqual(range(0, 760));
    expect(JSON.parse(r.outbox.meta('aegis.position')!)).toMatchObject({ mode: 'time', field: 'timestamp', offset: 760 });
    expect(r.db.requests.some((q) => q.path.endsWith('/query') && q.body.includes('"$gte"'))).toBe(true);
  });

  it('documents sharing a timestamp are read once each, across pages smaller than the tie', async () => {
    const r = await rig({ mode: 'old' });
    const docs = samples(0, 30).map((d, i) => ({ ...d, timestamp: samples(Math.floor(i / 7), Math.floor(i / 7) + 1)[0]!.timestamp }));
    r.db.insert(COLLECTION, docs.slice(0, 10));
    await drain(r.reader(3, 4));
    r.db.insert(COLLECTION, docs.slice(10));
    await r.deleteOldest(5);
    await drain(r.reader(3, 4));
    expect([...r.sampleNos()].sort((a, b) => Number(a) - Number(b))).toEqual(range(0, 30));
  });

  it('carries an offset position left by an older agent over to time mode', async () => {
    const r = await rig();
    r.db.insert(COLLECTION, samples(0, 500));
    r.outbox.append([], { key: 'aegis.position', value: JSON.stringify({ offset: 200 }) });
    expect(await r.reader().poll()).toBe(300);
    await r.deleteOldest(300);
    r.db.insert(COLLECTION, samples(500, 550));
    await drain(r.reader());
    expect(r.sampleNos()).toEqual(range(200, 550));
    expect(JSON.parse(r.outbox.meta('aegis.position')!)).toMatchObject({ mode: 'time', offset: 550 });
  });

  it('falls back to offset paging on a server without the query route', async () => {
    const r = await rig({ mode: 'old', queryRoute: false });
    r.db.insert(COLLECTION, samples(0, 350));
    await drain(r.reader());
    r.db.insert(COLLECTION, samples(350, 400));
    await drain(r.reader());
    expect(r.sampleNos()).toEqual(range(0, 400));
    expect(JSON.parse(r.outbox.meta('aegis.position')!)).toMatchObject({ mode: 'offset', offset: 400 });
    expect(r.db.requests.some((q) => q.query.skip === '300')).toBe(true);
  });
});

describe('aegis reader against a server that caps its pages at 100', () => {
  it.each([
    ['time mode (new server)', { mode: 'new', token: 't', pageCap: 100 }],
    ['offset mode (old server without the query route)', { mode: 'old', queryRoute: false, pageCap: 100 }],
  ] as const)('%s: one poll reads all 437 documents, not the first page', async (_, options) => {
    const r = await rig(options);
    r.db.insert(COLLECTION, samples(0, 437));
    expect(await r.reader(1000, 5000).poll()).toBe(437);
    expect(r.sampleNos()).toEqual(range(0, 437));
  });

  it('a server answering the same next_cursor forever: the poll fails with a clear error, nothing read twice', async () => {
    // Every request gets the same two documents and the same cursor (a broken server, not the fake).
    const server = http.createServer((req, res) => {
      req.resume();
      const documents = samples(0, 2).map((d, i) => ({ id: `d${i}`, collection: COLLECTION, data: { _id: `d${i}`, ...d } }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ documents, total_scanned: 2, execution_time_ms: 0, next_cursor: 'Mg' }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aegis-cursor-'));
    dirs.push(dir);
    const outbox = new Outbox(openSqlite(path.join(dir, 'outbox.db')), { maxRows: 1_000_000, maxBytes: 1e9 });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const reader = createAegisReader({ url, token: undefined, collection: COLLECTION, pageSize: 1000, maxPerPoll: 5000, timeoutMs: 5000 }, outbox, log);
    try {
      await expect(reader.poll()).rejects.toThrow(/same next_cursor/);
      expect(outbox.pending(0, 100).map((p) => p.reading.values.sample_no)).toEqual([0, 1]);
    } finally {
      server.close();
    }
  });
});
