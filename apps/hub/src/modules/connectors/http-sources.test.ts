import type { DatasetPreview } from '@prometheus/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  startAegisDbFake, startInfluxDb3Fake, startMongoDataApiFake, startSpacetimeDbFake,
  type AegisDbFake, type InfluxDb3Fake, type MongoDataApiFake, type SpacetimeDbFake,
} from '../../../../../test/fakes/index.js';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { connect, connectOk, expectError } from './test-helpers.js';

// aegis_bridge, influxdb, spacetimedb and the MongoDB Data API against the protocol-faithful fakes in
// test/fakes (each proven against its upstream's documents by its own test there).
let t: TestHub;
let token: string;
const T0 = Date.UTC(2026, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  t = await createTestHub({ CONNECTOR_TIMEOUT_MS: '1000', CONNECTOR_ROW_CAP: '2500' });
});
afterAll(() => t.close());
beforeEach(async () => {
  token = (await t.userWithRole('operator')).token;
});

describe('aegis_bridge (Aegis-DB fake, both server versions)', () => {
  const fakes: AegisDbFake[] = [];
  afterAll(async () => Promise.all(fakes.map((f) => f.close())));
  const samples = (n: number) => Array.from({ length: n }, (_, i) => ({ timestamp: iso(T0 + i * 15_000), supply_temp: 55 + (i % 4), fan_speed: 0.6 }));

  it.each(['old', 'new'] as const)('%s server: unwraps documents[].data, pages to the end, honours time_range', async (mode) => {
    const fake = await startAegisDbFake({ mode, token: 'edge-token' });
    fakes.push(fake);
    fake.insert('hardware_metrics', samples(2300));
    const ds = await connectOk(t, token, {
      controller_ip: '127.0.0.1', aegis_port: fake.port, auth_token: 'edge-token', name: 'AHU edge',
      time_range: { start: iso(T0), end: iso(T0 + 1999 * 15_000) },
    });
    expect(ds).toMatchObject({ source: 'aegis_bridge', row_count: 2000, timestamp_column: 'timestamp', columns: ['timestamp', 'supply_temp', 'fan_speed'] });
    expect(ds.column_stats.supply_temp).toMatchObject({ min: 55, max: 58, mean: 56.5 });
    const paths = fake.requests.map((r) => r.path);
    expect(paths.every((p) => p === '/api/v1/documents/collections/hardware_metrics/query')).toBe(true);
    // Two full pages of 1000, then an empty one that ends the paging.
    expect(paths.length).toBe(3);
  });

  it('default time range is the last 30 days; 401 without the token is a 502; missing collection 400', async () => {
    const fake = await startAegisDbFake({ mode: 'new', token: 'edge-token' });
    fakes.push(fake);
    fake.insert('hardware_metrics', [{ timestamp: iso(Date.now() - 40 * 86_400_000), supply_temp: 1 }, { timestamp: iso(Date.now() - 3_600_000), supply_temp: 2 }]);
    const ds = await connectOk(t, token, { controller_ip: '127.0.0.1', aegis_port: fake.port, auth_token: 'edge-token' });
    expect(ds.row_count).toBe(1);
    await expectError(await connect(t, token, { controller_ip: '127.0.0.1', aegis_port: fake.port }), 502, 'UPSTREAM_FAILED', /401/);
    await expectError(await connect(t, token, { controller_ip: '127.0.0.1', aegis_port: fake.port, auth_token: 'edge-token', collection: 'nope' }), 400, 'BAD_REQUEST', /nope/);
  });

  it('epoch-second timestamps (no match for an ISO range) are listed and filtered by the hub', async () => {
    const fake = await startAegisDbFake({ mode: 'old' });
    fakes.push(fake);
    fake.insert('hardware_metrics', Array.from({ length: 30 }, (_, i) => ({ timestamp: T0 / 1000 + i * 60, supply_temp: 50 + i })));
    const ds = await connectOk(t, token, { controller_ip: '127.0.0.1', aegis_port: fake.port, time_range: { start: iso(T0), end: iso(T0 + 9 * 60_000) } });
    expect(ds).toMatchObject({ row_count: 10, time_range: { start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:09:00Z' } });
    // The listing ends at an empty page (a short page may be a server's cap, not the end).
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v1/documents/collections/hardware_metrics/query', 'GET /api/v1/documents/collections/hardware_metrics/documents',
      'GET /api/v1/documents/collections/hardware_metrics/documents',
    ]);
  });

  it('hung connection -> 504, reset -> 502, closed server -> 502', async () => {
    const fake = await startAegisDbFake({ mode: 'old' });
    fakes.push(fake);
    fake.insert('hardware_metrics', samples(3));
    const body = { controller_ip: '127.0.0.1', aegis_port: fake.port };
    fake.dropNext(1, 'hang');
    await expectError(await connect(t, token, body), 504, 'UPSTREAM_TIMEOUT');
    fake.dropNext(1, 'reset');
    await expectError(await connect(t, token, body), 502, 'UPSTREAM_FAILED');
    fake.failNext(1, 500);
    await expectError(await connect(t, token, body), 502, 'UPSTREAM_FAILED', /500/);
    await fake.close();
    await expectError(await connect(t, token, body), 502, 'UPSTREAM_FAILED', /ECONNREFUSED/);
  });
});

describe('influxdb (InfluxDB 3 fake)', () => {
  let fake: InfluxDb3Fake;
  beforeAll(async () => {
    fake = await startInfluxDb3Fake({ token: 'influx-token' });
    fake.write('building_sensors', 'ahu readings', Array.from({ length: 100 }, (_, i) => ({ time: T0 + i * 60_000, supply_temp: 50 + i, unit: 'AHU-1' })), { tags: ['unit'] });
  });
  afterAll(() => fake.close());

  it('queries query_sql with quoted identifiers and the time range; zone-less times read as UTC', async () => {
    const ds = await connectOk(t, token, {
      source_type: 'influxdb', url: fake.url, database: 'building_sensors', measurement: 'ahu readings', token: 'influx-token',
      time_range: { start: iso(T0 + 10 * 60_000), end: '2026-01-01T00:19:00Z' },
    });
    expect(ds).toMatchObject({ source: 'influxdb', row_count: 10, timestamp_column: 'time' });
    expect(ds.time_range).toEqual({ start: '2026-01-01T00:10:00Z', end: '2026-01-01T00:19:00Z' });
    expect(ds.column_stats.supply_temp).toMatchObject({ min: 60, max: 69 });
    const sent = JSON.parse(fake.requests.at(-1)!.body) as { q: string; db: string; format: string };
    expect(sent).toMatchObject({ db: 'building_sensors', format: 'json' });
    expect(sent.q).toBe(`SELECT * FROM "ahu readings" WHERE time >= '2026-01-01T00:10:00.000Z' AND time <= '2026-01-01T00:19:00Z' ORDER BY time LIMIT 2501`);
  });

  it('unknown database or table -> 400, wrong token -> 502', async () => {
    const base = { source_type: 'influxdb', url: fake.url, measurement: 'ahu readings', token: 'influx-token' };
    await expectError(await connect(t, token, { ...base, database: 'nope' }), 400, 'BAD_REQUEST', /database not found/);
    await expectError(await connect(t, token, { ...base, database: 'building_sensors', measurement: 'missing' }), 400, 'BAD_REQUEST');
    await expectError(await connect(t, token, { ...base, database: 'building_sensors', token: 'wrong' }), 502, 'UPSTREAM_FAILED', /401/);
  });
});

describe('spacetimedb (SpacetimeDB fake)', () => {
  let fake: SpacetimeDbFake;
  beforeAll(async () => {
    fake = await startSpacetimeDbFake({ ownerToken: 'owner' });
    fake.createDatabase('building_sensors', [
      { name: 'temperature_readings', columns: [{ name: 'at', type: 'Timestamp' }, { name: 'temp', type: 'F64' }, { name: 'setpoint', type: { option: 'F64' } }],
        rows: Array.from({ length: 50 }, (_, i) => [new Date(T0 + i * 60_000), 70 + (i % 3), i % 5 === 0 ? null : 72]) },
      { name: 'secret', public: false, columns: [{ name: 'x', type: 'I32' }], rows: [[1]] },
    ]);
  });
  afterAll(() => fake.close());

  it('decodes SATS JSON: Timestamp products to times, Option sums to values or empty', async () => {
    const ds = await connectOk(t, token, { source_type: 'spacetimedb', api_url: fake.url, database: 'building_sensors', query: 'SELECT * FROM temperature_readings' });
    expect(ds).toMatchObject({ source: 'spacetimedb', row_count: 50, timestamp_column: 'at', columns: ['at', 'temp', 'setpoint'] });
    expect(ds.time_range).toEqual({ start: '2026-01-01T00:00:00Z', end: '2026-01-01T00:49:00Z' });
    expect(ds.column_stats.setpoint).toMatchObject({ min: 72, max: 72 });
    const page = (await (await t.request('GET', `/api/v1/datasets/${ds.id}/preview?page_size=1`, { token })).json()) as DatasetPreview;
    expect(page.rows[0]).toEqual(['2026-01-01T00:00:00.000Z', '70', null]);
    expect(fake.requests.at(-1)!.body).toBe('SELECT * FROM temperature_readings');
  });

  it('a private table is 400 for anonymous callers, readable with the owner token', async () => {
    const body = { source_type: 'spacetimedb', api_url: fake.url, database: 'building_sensors', query: 'SELECT * FROM secret' };
    await expectError(await connect(t, token, body), 400, 'BAD_REQUEST', /no such table/);
    expect((await connectOk(t, token, { ...body, auth_token: 'owner' })).row_count).toBe(1);
    await expectError(await connect(t, token, { ...body, auth_token: 'intruder' }), 502, 'UPSTREAM_FAILED', /401/);
  });
});

describe('mongodb Data API (Atlas Data API fake)', () => {
  let fake: MongoDataApiFake;
  beforeAll(async () => {
    fake = await startMongoDataApiFake();
    fake.insert('building_data', 'sensor_readings', Array.from({ length: 30 }, (_, i) => ({
      timestamp: new Date(T0 + i * 60_000), location: i < 20 ? 'Warren' : 'Elsewhere', supply_temp: 60 + i,
    })));
  });
  afterAll(() => fake.close());

  it('POSTs action/find with the apiKey header and the filter; plain JSON back', async () => {
    const ds = await connectOk(t, token, {
      source_type: 'mongodb', api_url: fake.apiUrl, api_key: fake.apiKey, database: 'building_data', mongodb_collection: 'sensor_readings',
      filter: { location: 'Warren' },
    });
    expect(ds).toMatchObject({ source: 'mongodb', row_count: 20, timestamp_column: 'timestamp', columns: ['timestamp', 'location', 'supply_temp'] });
    expect(ds.column_stats.supply_temp).toMatchObject({ min: 60, max: 79 });
    const req = fake.requests.at(-1)!;
    expect(req.path).toBe(new URL(`${fake.apiUrl}/action/find`).pathname);
    expect(req.headers.apikey).toBe(fake.apiKey);
    expect(JSON.parse(req.body)).toMatchObject({ dataSource: 'mongodb-atlas', database: 'building_data', collection: 'sensor_readings', filter: { location: 'Warren' } });
  });

  it('wrong key -> 502 naming InvalidSession; api_url without api_key -> 400', async () => {
    const body = { source_type: 'mongodb', api_url: fake.apiUrl, database: 'building_data', mongodb_collection: 'sensor_readings' };
    await expectError(await connect(t, token, { ...body, api_key: 'wrong' }), 502, 'UPSTREAM_FAILED', /InvalidSession/);
    await expectError(await connect(t, token, body), 400, 'VALIDATION_ERROR', /api_key/);
  });
});

describe('request validation', () => {
  it('400 for an unknown source_type or missing fields, 403 for a viewer, 401 without a token', async () => {
    await expectError(await connect(t, token, { source_type: 'oracle' }), 400, 'VALIDATION_ERROR', /must be one of/);
    await expectError(await connect(t, token, { source_type: 'influxdb', url: 'http://x' }), 400, 'VALIDATION_ERROR', /database/);
    await expectError(await connect(t, token, {}), 400, 'VALIDATION_ERROR', /controller_ip/);
    const viewer = await t.userWithRole('viewer');
    await expectError(await connect(t, viewer.token, { controller_ip: '127.0.0.1' }), 403, 'FORBIDDEN');
    await expectError(await connect(t, '', { controller_ip: '127.0.0.1' }), 401, 'UNAUTHORIZED');
  });
});
