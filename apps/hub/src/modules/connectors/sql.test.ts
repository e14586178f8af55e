import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { connect, connectOk, expectError } from './test-helpers.js';

// Real servers: PostgreSQL on 127.0.0.1:5432 (postgres, trust) and MariaDB on 127.0.0.1:3306 (root, no
// password), which speaks the MySQL protocol TiDB speaks. Each run makes its own database and drops it.
const DB = `prom_conn_${process.pid}`;
const PG = `postgresql://postgres@127.0.0.1:5432/${DB}`;
const MY = `mysql://root@127.0.0.1:3306/${DB}`;
let t: TestHub;
let token: string;

async function seedPostgres(): Promise<void> {
  const admin = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  const c = new pg.Client({ connectionString: PG });
  await c.connect();
  await c.query('CREATE TABLE readings (ts timestamptz, supply_temp double precision, fan_on boolean, note text)');
  await c.query('CREATE SEQUENCE import_counter');
  await c.query(`INSERT INTO readings SELECT timestamptz '2026-01-01 00:00:00+00' + i * interval '1 minute', 50 + i % 10, i % 2 = 0, 'n' || i FROM generate_series(0, 499) i`);
  await c.end();
}

async function seedMariadb(): Promise<void> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
  await c.query(`DROP DATABASE IF EXISTS ${DB}`);
  await c.query(`CREATE DATABASE ${DB}`);
  await c.query(`CREATE TABLE ${DB}.telemetry (ts DATETIME(3), chw_supply DOUBLE, kw DECIMAL(8,2))`);
  const rows = Array.from({ length: 300 }, (_, i) => [new Date(Date.UTC(2026, 0, 1) + i * 60_000), 44 + (i % 5), (100 + i / 4).toFixed(2)]);
  await c.query(`INSERT INTO ${DB}.telemetry VALUES ?`, [rows]);
  await c.end();
}

beforeAll(async () => {
  await Promise.all([seedPostgres(), seedMariadb()]);
  t = await createTestHub({ CONNECTOR_TIMEOUT_MS: '1500', CONNECTOR_ROW_CAP: '400' });
});

// A fresh operator per test: each account's tier allows a handful of datasets.
beforeEach(async () => {
  token = (await t.userWithRole('operator')).token;
});

afterAll(async () => {
  await t.close();
  const admin = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin.end();
  const c = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
  await c.query(`DROP DATABASE IF EXISTS ${DB}`);
  await c.end();
});

describe('postgresql (real server)', () => {
  it('imports a query into a dataset with stats, capped at the row cap and saying so', async () => {
    const ds = await connectOk(t, token, { source_type: 'postgresql', connection_string: PG, query: 'SELECT ts, supply_temp, fan_on FROM readings ORDER BY ts;' });
    expect(ds).toMatchObject({ source: 'postgresql', row_count: 400, timestamp_column: 'ts', columns: ['ts', 'supply_temp', 'fan_on'], truncated: true });
    expect(ds.warnings).toEqual([expect.stringMatching(/PostgreSQL has more than 400 rows.*only the first 400/)]);
    // Exactly the cap is the whole answer, not a cut one.
    expect(await connectOk(t, token, { source_type: 'postgresql', connection_string: PG, query: 'SELECT * FROM readings LIMIT 400' })).toMatchObject({ row_count: 400, truncated: false, warnings: [] });
    expect(ds.time_range).toEqual({ start: '2026-01-01T00:00:00Z', end: '2026-01-01T06:39:00Z' });
    expect(ds.column_stats.supply_temp).toMatchObject({ min: 50, max: 59, mean: 54.5 });
    expect(ds.column_stats.fan_on?.mean).toBe(0.5);
  });

  it('runs read-only: a writing statement is refused (400) and nothing changes', async () => {
    const res = await connect(t, token, { source_type: 'postgresql', connection_string: PG, query: "SELECT nextval('import_counter') AS n" });
    await expectError(res, 400, 'BAD_REQUEST', /read-only transaction/);
    // A data-modifying CTE cannot even be wrapped by the row cap's subquery.
    const cte = await connect(t, token, { source_type: 'postgresql', connection_string: PG, query: 'WITH d AS (DELETE FROM readings RETURNING *) SELECT * FROM d' });
    await expectError(cte, 400, 'BAD_REQUEST');
    const c = new pg.Client({ connectionString: PG });
    await c.connect();
    expect((await c.query('SELECT count(*)::int AS n FROM readings')).rows[0].n).toBe(500);
    await c.end();
  });

  it('statement timeout -> 504, bad SQL -> 400, refused port -> 502, bad URL -> 400', async () => {
    await expectError(await connect(t, token, { source_type: 'postgresql', connection_string: PG, query: 'SELECT pg_sleep(5)' }), 504, 'UPSTREAM_TIMEOUT');
    await expectError(await connect(t, token, { source_type: 'postgresql', connection_string: PG, query: 'SELECT * FROM nope' }), 400, 'BAD_REQUEST', /nope/);
    await expectError(await connect(t, token, { source_type: 'postgresql', connection_string: 'postgresql://postgres@127.0.0.1:1/x', query: 'SELECT 1' }), 502, 'UPSTREAM_FAILED', /ECONNREFUSED/);
    await expectError(await connect(t, token, { source_type: 'postgresql', connection_string: 'mysql://x@y/z', query: 'SELECT 1' }), 400, 'BAD_REQUEST');
    await expectError(await connect(t, token, { source_type: 'postgresql', query: 'SELECT 1' }), 400, 'VALIDATION_ERROR', /connection_string or api_url/);
  });
});

describe('tidb (MariaDB, MySQL protocol)', () => {
  it('imports with a read-only session', async () => {
    const ds = await connectOk(t, token, { source_type: 'tidb', connection_string: MY, query: 'SELECT * FROM telemetry' });
    expect(ds).toMatchObject({ source: 'tidb', row_count: 300, timestamp_column: 'ts', truncated: false });
    expect(ds.column_stats.chw_supply).toMatchObject({ min: 44, max: 48, mean: 46 });
    expect(ds.column_stats.kw?.max).toBeCloseTo(174.75, 6);
    const session = await connectOk(t, token, { source_type: 'tidb', connection_string: MY, query: 'SELECT ts, @@tx_read_only AS read_only FROM telemetry' });
    expect(session.column_stats.read_only).toMatchObject({ min: 1, max: 1 });
  });

  it('more rows than the row cap: the first 400, said so', async () => {
    const query = 'SELECT t.ts, t.chw_supply FROM telemetry t CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2) AS twice';
    const ds = await connectOk(t, token, { source_type: 'tidb', connection_string: MY, query });
    expect(ds).toMatchObject({ row_count: 400, truncated: true, warnings: [expect.stringMatching(/TiDB has more than 400 rows/)] });
  });

  it('max_statement_time -> 504, unknown table -> 400, refused -> 502', async () => {
    await expectError(await connect(t, token, { source_type: 'tidb', connection_string: MY, query: 'SELECT SLEEP(5) AS s' }), 504, 'UPSTREAM_TIMEOUT');
    await expectError(await connect(t, token, { source_type: 'tidb', connection_string: MY, query: 'SELECT * FROM missing' }), 400, 'BAD_REQUEST', /missing/);
    await expectError(await connect(t, token, { source_type: 'tidb', connection_string: 'mysql://root@127.0.0.1:1/x', query: 'SELECT 1' }), 502, 'UPSTREAM_FAILED');
  });
});

describe('api_url (REST rows)', () => {
  let server: http.Server;
  let url = '';
  let silent: net.Server;
  let silentUrl = '';
  const seen: unknown[] = [];
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        seen.push(JSON.parse(body));
        const rows = [{ timestamp: '2026-01-01T00:00:00Z', v: 1 }, { timestamp: '2026-01-01T00:01:00Z', v: 3 }];
        const shape = req.url === '/bare' ? rows : req.url === '/rows' ? { rows } : req.url === '/results' ? { results: rows } : { nope: 1 };
        res.writeHead(req.url === '/error' ? 500 : 200, { 'content-type': 'application/json' }).end(JSON.stringify(shape));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/q`;
  });
  afterAll(async () => {
    server.close();
    silent.close();
  });

  it.each(['/bare', '/rows', '/results'])('accepts the %s shape and sends {query, limit}', async (p) => {
    const ds = await connectOk(t, token, { source_type: 'postgresql', api_url: `${url}${p}`, query: 'SELECT *' });
    expect(ds).toMatchObject({ row_count: 2, column_stats: { v: { mean: 2 } }, truncated: false });
    // One row past the cap: an answer that fills it tells the import it was cut.
    expect(seen.at(-1)).toEqual({ query: 'SELECT *', limit: 401 });
  });

  it('502 on an upstream error or a wrong shape, 504 when it never answers', async () => {
    await expectError(await connect(t, token, { source_type: 'tidb', api_url: `${url}/error`, query: 'x' }), 502, 'UPSTREAM_FAILED');
    await expectError(await connect(t, token, { source_type: 'tidb', api_url: `${url}/other`, query: 'x' }), 502, 'UPSTREAM_FAILED', /rows/);
    await expectError(await connect(t, token, { source_type: 'tidb', api_url: silentUrl, query: 'x' }), 504, 'UPSTREAM_TIMEOUT');
  });
});
