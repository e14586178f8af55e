import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { connect, connectOk, expectError } from './test-helpers.js';

// sqlite against real files under the import directory; the MongoDB driver path against real sockets
// (no mongod can be installed on these machines: Debian has none and mongodb-memory-server downloads it).
let t: TestHub;
let token: string;
let importDir: string;
let outside: string;

beforeAll(async () => {
  importDir = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-imports-'));
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'prom-outside-'));
  for (const [dir, name] of [[importDir, 'plant.db'], [outside, 'secret.db']] as const) {
    const db = new Database(path.join(dir, name));
    db.exec('CREATE TABLE readings (date TEXT, flow REAL, pump_on INTEGER)');
    const insert = db.prepare('INSERT INTO readings VALUES (?, ?, ?)');
    for (let i = 0; i < 200; i += 1) insert.run(`2026-01-0${1 + (i % 2)} 0${i % 10}:00:00`, 10 + i / 10, i % 2);
    db.close();
  }
  fs.symlinkSync(path.join(outside, 'secret.db'), path.join(importDir, 'link.db'));
  fs.writeFileSync(path.join(importDir, 'notes.txt'), 'not a database');
  t = await createTestHub({ CONNECTOR_IMPORT_DIR: importDir, CONNECTOR_TIMEOUT_MS: '1500' });
});
afterAll(async () => {
  await t.close();
  fs.rmSync(importDir, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});
beforeEach(async () => {
  token = (await t.userWithRole('operator')).token;
});

describe('sqlite (real file)', () => {
  it('imports a query, relative or absolute path inside the import directory', async () => {
    const ds = await connectOk(t, token, { source_type: 'sqlite', connection_string: 'plant.db', query: "SELECT * FROM readings WHERE date > '2026-01-01'" });
    expect(ds).toMatchObject({ source: 'sqlite', row_count: 200, timestamp_column: 'date' });
    expect(ds.column_stats.flow).toMatchObject({ min: 10, max: 29.9 });
    const abs = await connectOk(t, token, { source_type: 'sqlite', connection_string: path.join(importDir, 'plant.db'), query: 'SELECT flow FROM readings LIMIT 5' });
    expect(abs.row_count).toBe(5);
  });

  it.each([
    ['traversal', '../prom-outside-x/secret.db', /outside the import directory/],
    ['absolute path elsewhere', '/etc/passwd', /outside the import directory/],
    ['symlink out', 'link.db', /leads outside/],
    ['missing file', 'nope.db', /names no file/],
  ])('refuses %s with 400', async (_, file, message) => {
    await expectError(await connect(t, token, { source_type: 'sqlite', connection_string: file, query: 'SELECT 1' }), 400, 'BAD_REQUEST', message);
  });

  it('opens read-only: writes and non-databases are 400, the file is unchanged', async () => {
    await expectError(await connect(t, token, { source_type: 'sqlite', connection_string: 'plant.db', query: 'DELETE FROM readings' }), 400, 'BAD_REQUEST');
    await expectError(await connect(t, token, { source_type: 'sqlite', connection_string: 'plant.db', query: 'SELECT * FROM missing' }), 400, 'BAD_REQUEST', /no such table/);
    await expectError(await connect(t, token, { source_type: 'sqlite', connection_string: 'notes.txt', query: 'SELECT 1' }), 400, 'BAD_REQUEST');
    const db = new Database(path.join(importDir, 'plant.db'), { readonly: true });
    // eslint-disable-next-line no-restricted-syntax -- a SQLite source file for the connector, not the store
    expect(db.prepare('SELECT count(*) AS n FROM readings').get()).toEqual({ n: 200 });
    db.close();
  });
});

describe('sqlite timeout', () => {
  it('ends a query that runs past the connector timeout with 504, and the hub answers meanwhile', async () => {
    // A recursive count to 10^10 runs for minutes; it must not hold the hub's event loop.
    const slow = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000000) SELECT max(i) AS m FROM n";
    const started = Date.now();
    const pending = connect(t, token, { source_type: 'sqlite', connection_string: 'plant.db', query: slow });
    await new Promise((r) => setTimeout(r, 300));
    const health = await t.request('GET', '/health');
    expect(health.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1500);
    await expectError(await pending, 504, 'UPSTREAM_TIMEOUT', /timed out/);
    expect(Date.now() - started).toBeLessThan(5000);
    // The reader process is gone, not left computing.
    const children = () => spawnSync('ps', ['--ppid', String(process.pid), '-o', 'args=']).stdout.toString();
    await vi.waitFor(() => expect(children()).not.toContain('sqlite-child'));
  });
});

describe('mongodb connection_string (official driver, real sockets)', () => {
  let silent: net.Server;
  let silentPort = 0;
  const sockets = new Set<net.Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers: the driver's server selection times out.
    silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as AddressInfo).port;
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });

  const body = (cs: string) => ({ source_type: 'mongodb', connection_string: cs, database: 'd', mongodb_collection: 'c' });

  it('connection refused -> 502', async () => {
    await expectError(await connect(t, token, body('mongodb://127.0.0.1:1/?directConnection=true')), 502, 'UPSTREAM_FAILED', /ECONNREFUSED/);
  });

  it('a server that never answers -> 504', async () => {
    await expectError(await connect(t, token, body(`mongodb://127.0.0.1:${silentPort}/?directConnection=true`)), 504, 'UPSTREAM_TIMEOUT');
  });

  it('bad connection strings -> 400', async () => {
    await expectError(await connect(t, token, body('http://x')), 400, 'VALIDATION_ERROR', /mongodb:\/\//);
    await expectError(await connect(t, token, body('mongodb://127.0.0.1:1/?notAnOption=1&directConnection=maybe')), 400, 'BAD_REQUEST');
  });
});
