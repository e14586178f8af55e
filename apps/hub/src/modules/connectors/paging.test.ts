import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import type { ConnectResponse } from '@prometheus/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startAegisDbFake, startInfluxDb3Fake, startMongoDataApiFake, startSpacetimeDbFake, type AegisDbFake,
} from '../../../../../test/fakes/index.js';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { connect, connectOk, expectError } from './test-helpers.js';

// Every paging loop against servers that cap their pages below what the hub asks (100 of 1,000), and the row
// cap said out loud: an import brings everything up to CONNECTOR_ROW_CAP, and a cut import says it was cut.
const CAP = 300;
const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();
const samples = (n: number) => Array.from({ length: n }, (_, i) => ({ timestamp: iso(T0 + i * 15_000), supply_temp: 55 + (i % 4) }));
const range = { start: iso(T0), end: iso(T0 + 86_400_000) };
let t: TestHub;
let token: string;
let importDir: string;
const servers: { close(): unknown }[] = [];

beforeAll(async () => {
  importDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-paging-'));
  t = await createTestHub({ CONNECTOR_TIMEOUT_MS: '2000', CONNECTOR_ROW_CAP: String(CAP), CONNECTOR_IMPORT_DIR: importDir });
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await t.close();
  fs.rmSync(importDir, { recursive: true, force: true });
});
beforeEach(async () => {
  token = (await t.userWithRole('operator')).token;
});

async function aegis(mode: 'old' | 'new', docs: Record<string, unknown>[]): Promise<AegisDbFake> {
  const fake = await startAegisDbFake({ mode, token: 'edge', pageCap: 100 });
  servers.push(fake);
  fake.insert('hardware_metrics', docs);
  return fake;
}

const expectCut = (ds: ConnectResponse) => {
  expect(ds).toMatchObject({ row_count: CAP, truncated: true });
  expect(ds.warnings).toEqual([expect.stringMatching(new RegExp(`more than ${CAP} rows.*only the first ${CAP}.*CONNECTOR_ROW_CAP`))]);
};

describe('aegis_bridge against a server that caps pages at 100', () => {
  it.each(['old', 'new'] as const)('%s server: all 250 documents of the range, not the first page', async (mode) => {
    const fake = await aegis(mode, samples(250));
    const ds = await connectOk(t, token, { controller_ip: '127.0.0.1', aegis_port: fake.port, auth_token: 'edge', time_range: range });
    expect(ds).toMatchObject({ row_count: 250, truncated: false, warnings: [] });
    // 100 + 100 + 50, then the empty page that ends it.
    expect(fake.requests.map((r) => JSON.parse(r.body).skip)).toEqual([0, 100, 200, 250]);
  });

  it.each(['old', 'new'] as const)('%s server: more than the row cap -> the first 300 rows, said so', async (mode) => {
    const fake = await aegis(mode, samples(437));
    const ds = await connectOk(t, token, { controller_ip: '127.0.0.1', aegis_port: fake.port, auth_token: 'edge', time_range: range });
    expectCut(ds);
    expect(ds.time_range?.end).toBe(iso(T0 + (CAP - 1) * 15_000).replace('.000', ''));
  });

  it('epoch timestamps (the listing fallback): pages past short pages and filters each page', async () => {
    const fake = await aegis('old', Array.from({ length: 260 }, (_, i) => ({ timestamp: T0 / 1000 + i * 60, supply_temp: i })));
    const ds = await connectOk(t, token, { controller_ip: '127.0.0.1', aegis_port: fake.port, time_range: { start: iso(T0 + 10 * 60_000), end: iso(T0 + 249 * 60_000) } });
    expect(ds).toMatchObject({ row_count: 240, truncated: false, column_stats: { supply_temp: { min: 10, max: 249 } } });
  });
});

/** A broken Aegis-DB: every page holds the same documents and the same `next_cursor` (or no cursor). */
async function brokenAegis(cursor: string | undefined): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits += 1;
    req.resume();
    const documents = [0, 1].map((i) => ({ id: `d${i}`, collection: 'hardware_metrics', data: { _id: `d${i}`, timestamp: iso(T0 + i * 1000), v: i } }));
    res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ documents, total_scanned: 2, execution_time_ms: 0, ...(cursor ? { next_cursor: cursor } : {}) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { port: (server.address() as AddressInfo).port, hits: () => hits };
}

describe('a server that never ends its pages', () => {
  it('the same next_cursor again -> 502 naming the cursor, after two requests', async () => {
    const broken = await brokenAegis('MTAw');
    await expectError(await connect(t, token, { controller_ip: '127.0.0.1', aegis_port: broken.port, time_range: range }), 502, 'UPSTREAM_FAILED', /cursor 'MTAw' a second time/);
    expect(broken.hits()).toBe(2);
  });

  it('the same page whatever skip says (no cursor) -> 502, not a loop', async () => {
    const broken = await brokenAegis(undefined);
    await expectError(await connect(t, token, { controller_ip: '127.0.0.1', aegis_port: broken.port, time_range: range }), 502, 'UPSTREAM_FAILED', /ignores skip/);
    expect(broken.hits()).toBe(2);
  });
});

describe('mongodb Data API with a page cap', () => {
  it('pages by skip past short pages; more than the row cap is cut and said so', async () => {
    const fake = await startMongoDataApiFake({ pageCap: 100 });
    servers.push(fake);
    fake.insert('plant', 'few', samples(250));
    fake.insert('plant', 'many', samples(437));
    const body = { source_type: 'mongodb', api_url: fake.apiUrl, api_key: fake.apiKey, database: 'plant' };
    expect(await connectOk(t, token, { ...body, mongodb_collection: 'few' })).toMatchObject({ row_count: 250, truncated: false });
    expectCut(await connectOk(t, token, { ...body, mongodb_collection: 'many' }));
  });
});

describe('single-query sources say when the row cap cut them', () => {
  it('influxdb: LIMIT one past the cap', async () => {
    const fake = await startInfluxDb3Fake();
    servers.push(fake);
    fake.write('plant', 'ahu', samples(437).map((s, i) => ({ time: T0 + i * 15_000, supply_temp: s.supply_temp })));
    const ds = await connectOk(t, token, { source_type: 'influxdb', url: fake.url, database: 'plant', measurement: 'ahu' });
    expectCut(ds);
    expect(JSON.parse(fake.requests.at(-1)!.body).q).toMatch(new RegExp(`LIMIT ${CAP + 1}$`));
  });

  it('spacetimedb', async () => {
    const fake = await startSpacetimeDbFake();
    servers.push(fake);
    fake.createDatabase('plant', [{ name: 'readings', columns: [{ name: 'at', type: 'Timestamp' }, { name: 'temp', type: 'F64' }],
      rows: Array.from({ length: 437 }, (_, i) => [new Date(T0 + i * 60_000), 70]) }]);
    expectCut(await connectOk(t, token, { source_type: 'spacetimedb', api_url: fake.url, database: 'plant', query: 'SELECT * FROM readings' }));
  });

  it('sqlite: exactly the cap is not cut; one more row is', async () => {
    const db = new Database(path.join(importDir, 'plant.db'));
    db.exec('CREATE TABLE readings (ts TEXT, flow REAL)');
    const insert = db.prepare('INSERT INTO readings VALUES (?, ?)');
    for (let i = 0; i < 437; i += 1) insert.run(iso(T0 + i * 60_000), i);
    db.close();
    const body = { source_type: 'sqlite', connection_string: 'plant.db' };
    expect(await connectOk(t, token, { ...body, query: `SELECT * FROM readings LIMIT ${CAP}` })).toMatchObject({ row_count: CAP, truncated: false, warnings: [] });
    expectCut(await connectOk(t, token, { ...body, query: 'SELECT * FROM readings' }));
  });
});
