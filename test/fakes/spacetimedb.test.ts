// Conformance of the SpacetimeDB fake to docs/upstreams/sources.md ("spacetimedb") and,
// where the spec is silent, to the public server source (cited by file).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSpacetimeDbFake } from './spacetimedb.js';
import type { SpacetimeDbFake } from './spacetimedb.js';

const OWNER = 'owner-token';

describe('spacetimedb fake', () => {
  let fake: SpacetimeDbFake;
  let identity: string;
  const sql = (db: string, body: string, token?: string) =>
    fetch(`${fake.url}/v1/database/${db}/sql`, {
      method: 'POST',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      body,
    });

  beforeAll(async () => {
    fake = await startSpacetimeDbFake({ ownerToken: OWNER, tokens: ['reader'] });
    identity = fake.createDatabase('building_sensors', [
      {
        name: 'temperature_readings',
        columns: [
          { name: 'id', type: 'U64' }, { name: 'sensor', type: 'String' }, { name: 'value', type: 'F64' },
          { name: 'ok', type: 'Bool' }, { name: 'at', type: 'Timestamp' }, { name: 'note', type: { option: 'String' } },
        ],
        rows: [
          [1, 'supply_temp', 55.5, true, '2026-01-01T00:00:00Z', null],
          [2, 'return_temp', 72.25, false, new Date('2026-01-01T00:00:15Z'), 'recal'],
        ],
      },
      { name: 'secrets', public: false, columns: [{ name: 'k', type: 'String' }], rows: [['x']] },
    ]);
  });
  afterAll(() => fake.close());

  it('answers one result per statement with a SATS schema and array rows', async () => {
    // "`POST /v1/database/:name_or_identity/sql`, body is the raw SQL text"
    const res = await sql('building_sensors', 'SELECT * FROM temperature_readings');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Array<Record<string, unknown>>;
    // "Response: JSON array, one element per statement: `{"schema": ProductType, "rows": [...]}`"
    expect(body).toHaveLength(1);
    // "each row is a JSON array in column order; column names are in `schema.elements[i].name` (an option-like `{"some": "name"}`)"
    expect(body[0]!.schema).toEqual({ elements: [
      { name: { some: 'id' }, algebraic_type: { U64: [] } },
      { name: { some: 'sensor' }, algebraic_type: { String: [] } },
      { name: { some: 'value' }, algebraic_type: { F64: [] } },
      { name: { some: 'ok' }, algebraic_type: { Bool: [] } },
      { name: { some: 'at' }, algebraic_type: { Product: { elements: [{ name: { some: '__timestamp_micros_since_unix_epoch__' }, algebraic_type: { I64: [] } }] } } },
      { name: { some: 'note' }, algebraic_type: { Sum: { variants: [
        { name: { some: 'some' }, algebraic_type: { String: [] } },
        { name: { some: 'none' }, algebraic_type: { Product: { elements: [] } } },
      ] } } },
    ] });
    // Timestamp as a one-field product (array); Option as [tag, value] (tag 0 = some, 1 = none)
    expect(body[0]!.rows).toEqual([
      [1, 'supply_temp', 55.5, true, [1767225600000000], [1, []]],
      [2, 'return_temp', 72.25, false, [1767225615000000], [0, 'recal']],
    ]);
    // "The server also reports `total_duration_micros` and `stats`."
    expect(body[0]).toMatchObject({ total_duration_micros: expect.any(Number), stats: { rows_inserted: 0, rows_deleted: 0, rows_updated: 0 } });
    expect(res.headers.get('spacetime-execution-duration-micros')).toMatch(/^\d+$/);
  });

  it('resolves a database by identity as well as by name', async () => {
    const res = await sql(identity, 'SELECT sensor FROM temperature_readings WHERE id = 2');
    expect(((await res.json()) as Array<{ rows: unknown[] }>)[0]!.rows).toEqual([['return_temp']]);
  });

  it('shows private tables to the owner only', async () => {
    // "`Authorization: Bearer <token>` optional (anonymous callers see only public tables)"
    const anonymous = await sql('building_sensors', 'SELECT * FROM secrets');
    expect(anonymous.status).toBe(400);
    expect(await anonymous.text()).toBe('no such table: `secrets`. If the table exists, it may be marked private.');
    expect((await sql('building_sensors', 'SELECT * FROM secrets', 'reader')).status).toBe(400);
    expect((await sql('building_sensors', 'SELECT * FROM secrets', OWNER)).status).toBe(200);
  });

  it('answers errors as status plus text like the real server', async () => {
    // util.rs resolve: 404 "database name `x` not found"
    const missing = await sql('nope', 'SELECT 1');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('database name `nope` not found');
    // lib.rs exec_sql: SQL errors -> 400 with the error text
    const noTable = await sql('building_sensors', 'SELECT * FROM ghosts');
    expect([noTable.status, await noTable.text()]).toEqual([400, 'no such table: `ghosts`. If the table exists, it may be marked private.']);
    const noField = await sql('building_sensors', 'SELECT colour FROM temperature_readings');
    expect(await noField.text()).toBe('`temperature_readings` does not have a field `colour`');
    expect((await sql('building_sensors', 'SELECT 1', 'forged')).status).toBe(401);
  });

  it('lets the owner run DML and reports stats', async () => {
    const denied = await sql('building_sensors', "INSERT INTO temperature_readings VALUES (3, 'x', 1.0, 1, 0, NULL)");
    expect(denied.status).toBe(401);
    const res = await sql('building_sensors', "DELETE FROM temperature_readings WHERE id = 1", OWNER);
    const [result] = (await res.json()) as Array<{ stats: Record<string, number> }>;
    expect(result!.stats).toEqual({ rows_inserted: 0, rows_deleted: 1, rows_updated: 0 });
  });
});
