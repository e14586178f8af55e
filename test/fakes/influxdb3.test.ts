// Conformance of the InfluxDB 3 fake to docs/upstreams/sources.md ("influxdb (InfluxDB 3)")
// and to the public server's http.rs where the spec is silent (cited as "http.rs").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInfluxDb3Fake } from './influxdb3.js';
import type { InfluxDb3Fake } from './influxdb3.js';

const TOKEN = 'apiv3_test';
const CONNECTOR_SQL = `SELECT * FROM "ahu_readings" WHERE time >= '2026-01-01T00:00:00Z' AND time <= '2026-01-31T23:59:59Z' ORDER BY time`;

describe('influxdb3 fake', () => {
  let fake: InfluxDb3Fake;
  const get = (query: Record<string, string>, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
    fetch(`${fake.url}/api/v3/query_sql?${new URLSearchParams(query)}`, { headers });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${fake.url}/api/v3/query_sql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    fake = await startInfluxDb3Fake({ token: TOKEN });
    fake.write('building_sensors', 'ahu_readings', [
      { time: '2025-12-31T23:59:59Z', room: 'AHU-1', temp: 70 },
      { time: '2026-01-01T00:00:00Z', room: 'AHU-1', temp: 71.5, fan_on: true },
      { time: '2026-01-15T12:30:00.5Z', room: 'AHU-1', temp: 72.25, fan_on: false },
      { time: new Date('2026-01-31T23:59:59Z'), room: 'Living room', temp: 68 },
      { time: '2026-02-01T00:00:00Z', room: 'AHU-1', temp: 69 },
    ], { tags: ['room'] });
  });
  afterAll(() => fake.close());

  it('answers the connector query as a JSON array of row objects', async () => {
    // "`GET|POST /api/v3/query_sql`; parameters (query string, or JSON body on POST): `q` (SQL, required), `db` (required)"
    // "`format=json` returns a JSON array of row objects (`[]` when empty)"
    const res = await get({ q: CONNECTOR_SQL, db: 'building_sensors' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual([
      { fan_on: true, room: 'AHU-1', temp: 71.5, time: '2026-01-01T00:00:00' },
      { fan_on: false, room: 'AHU-1', temp: 72.25, time: '2026-01-15T12:30:00.500' },
      // arrow_json omits null columns (http.rs uses arrow_json writers)
      { room: 'Living room', temp: 68, time: '2026-01-31T23:59:59' },
    ]);
    const empty = await post({ q: 'SELECT * FROM "ahu_readings" WHERE temp > 100', db: 'building_sensors' });
    expect(await empty.text()).toBe('[]');
  });

  it('renders jsonl, csv and pretty, and refuses parquet clearly', async () => {
    const q = `SELECT room, temp, time FROM "ahu_readings" WHERE time = '2026-01-31T23:59:59Z'`;
    // "`jsonl` one object per line, e.g. `{"room":"Living room","temp":71.5,"time":"2025-02-25T20:19:34.984098"}`"
    const jsonl = await get({ q, db: 'building_sensors', format: 'jsonl' });
    expect(jsonl.headers.get('content-type')).toBe('application/jsonl');
    expect(await jsonl.text()).toBe('{"room":"Living room","temp":68,"time":"2026-01-31T23:59:59"}\n');
    // "`format` (`json` default; also `jsonl`, `csv`, `pretty`, `parquet`)"
    const csv = await post({ q, db: 'building_sensors', format: 'csv' });
    expect(await csv.text()).toBe('room,temp,time\nLiving room,68,2026-01-31T23:59:59\n');
    const pretty = await post({ q, db: 'building_sensors', format: 'pretty' });
    expect(await pretty.text()).toContain('| Living room | 68   | 2026-01-31T23:59:59 |');
    const parquet = await post({ q, db: 'building_sensors', format: 'parquet' });
    expect(parquet.status).toBe(501);
    // http.rs: an unknown format value is a serde error, 400
    const bad = await post({ q, db: 'building_sensors', format: 'xml' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/unknown variant `xml`/);
  });

  it('binds named params', async () => {
    // "`params`" (http.rs: a JSON object of `$name` placeholders; on GET a JSON string)
    const res = await get({ q: 'SELECT temp FROM "ahu_readings" WHERE room = $room AND temp > $min', db: 'building_sensors', params: JSON.stringify({ room: 'AHU-1', min: 71 }) });
    expect(await res.json()).toEqual([{ temp: 71.5 }, { temp: 72.25 }]);
  });

  it('enforces Bearer auth the way the server does', async () => {
    // "Auth: `Authorization: Bearer <token>` (optional on open servers)" — http.rs: 401 with an empty body
    const none = await get({ q: 'SELECT 1', db: 'building_sensors' }, {});
    expect(none.status).toBe(401);
    expect(await none.text()).toBe('');
    expect((await get({ q: 'SELECT 1', db: 'building_sensors' }, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await get({ q: CONNECTOR_SQL, db: 'building_sensors' }, { authorization: `Token ${TOKEN}` })).status).toBe(200);
    const malformed = await get({ q: 'SELECT 1', db: 'building_sensors' }, { authorization: TOKEN });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: expect.stringContaining('Authorization header was malformed') });
  });

  it('answers errors with the server statuses and bodies', async () => {
    // http.rs: QueryExecutorError::DatabaseNotFound -> 404 {"error": "...", "data": null}
    const noDb = await get({ q: 'SELECT 1', db: 'nope' });
    expect(noDb.status).toBe(404);
    expect(await noDb.json()).toEqual({ error: 'query error: database not found: nope', data: null });
    // http.rs: planning errors fall to the 500 text arm
    const noTable = await get({ q: 'SELECT * FROM "missing"', db: 'building_sensors' });
    expect(noTable.status).toBe(500);
    expect(await noTable.text()).toBe("query error: error while planning query: Error during planning: table 'public.iox.missing' not found");
    // http.rs: MissingQueryParams / serde errors -> 400 text
    const missing = await fetch(`${fake.url}/api/v3/query_sql`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(missing.status).toBe(400);
    expect(await missing.text()).toBe("missing query parameters 'db' and 'q'");
    expect(await (await get({ db: 'building_sensors' })).text()).toBe('serde error: missing field `q`');
    expect((await post('not json')).status).toBe(400);
  });
});

describe('influxdb3 fake without auth', () => {
  it('serves open servers and honours the Accept header', async () => {
    const fake = await startInfluxDb3Fake();
    try {
      fake.write('db1', 'cpu', [{ time: 0, usage: 1.5 }]);
      const res = await fetch(`${fake.url}/api/v3/query_sql?db=db1&q=SELECT%20*%20FROM%20cpu`, { headers: { accept: 'text/csv' } });
      expect(await res.text()).toBe('time,usage\n1970-01-01T00:00:00,1.5\n');
    } finally {
      await fake.close();
    }
  });
});
