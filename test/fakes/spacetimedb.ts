// Fake SpacetimeDB SQL endpoint, written from docs/upstreams/sources.md and the public
// server (crates/client-api: routes/database.rs `sql`, lib.rs `exec_sql`, util.rs `resolve`;
// client-api-messages/src/http.rs `SqlStmtResult`). SQLite executes the statement; results are
// shaped as SATS JSON: schema `{elements:[{name:{some}, algebraic_type:{U64:[]}}]}`, rows as arrays.
import { createHash, randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { createFakeApp, listen, param } from './shared/http-fake.js';
import type { FakeContext, FakeHandle } from './shared/http-fake.js';

export type SpacetimePrimitive = 'Bool' | 'U8' | 'U16' | 'U32' | 'U64' | 'I8' | 'I16' | 'I32' | 'I64' | 'F32' | 'F64' | 'String' | 'Timestamp';
export type SpacetimeType = SpacetimePrimitive | { option: SpacetimePrimitive };

export interface SpacetimeTable {
  name: string;
  /** Private tables are visible to the owner token only (default: public). */
  public?: boolean;
  columns: { name: string; type: SpacetimeType }[];
  /** Rows in column order; Timestamp values as Date, RFC 3339 text or epoch microseconds. */
  rows?: unknown[][];
}

export interface SpacetimeDbFakeOptions {
  /** Sees private tables and may run DML. */
  ownerToken?: string;
  /** Other accepted Bearer tokens (public tables only). Any other token is refused with 401. */
  tokens?: string[];
  latencyMs?: number;
}

export interface SpacetimeDbFake extends FakeHandle {
  /** Publishes a database under `name`; returns its hex identity (also usable in the URL). */
  createDatabase(name: string, tables: SpacetimeTable[]): string;
}

interface HostedDatabase {
  identity: string;
  sqlite: Database.Database;
  tables: Map<string, SpacetimeTable>;
}

type Caller = 'owner' | 'user' | 'anonymous';

export async function startSpacetimeDbFake(options: SpacetimeDbFakeOptions = {}): Promise<SpacetimeDbFake> {
  const byName = new Map<string, HostedDatabase>();
  const { app, faults } = createFakeApp({
    latencyMs: options.latencyMs,
    failureResponse: (c, status) => c.text(status === 503 ? 'Database is not scheduled on this host' : 'internal server error', status as 500),
  });
  app.post('/v1/database/:name_or_identity/sql', (c) => {
    const caller = callerOf(c, options);
    if (caller instanceof Response) return caller;
    const target = param(c, 'name_or_identity');
    const db = /^[0-9a-f]{64}$/i.test(target)
      ? [...byName.values()].find((d) => d.identity === target.toLowerCase())
      : byName.get(target);
    if (!db) return c.text(/^[0-9a-f]{64}$/i.test(target) ? 'No such database.' : `database name \`${target}\` not found`, 404);
    return runSql(c, db, caller);
  });
  app.get('/v1/database/:name_or_identity/sql', (c) => c.body(null, 405));
  app.notFound((c) => c.body(null, 404));
  const handle = await listen(app, faults);
  return {
    ...handle,
    close: async () => {
      await handle.close();
      for (const db of byName.values()) db.sqlite.close();
    },
    createDatabase: (name, tables) => {
      const identity = createHash('sha256').update(name).update(randomBytes(8)).digest('hex');
      byName.set(name, hostDatabase(identity, tables));
      return identity;
    },
  };
}

function callerOf(c: FakeContext, options: SpacetimeDbFakeOptions): Caller | Response {
  const header = c.req.header('authorization');
  if (!header) return 'anonymous';
  const token = header.startsWith('Bearer ') ? header.slice(7) : undefined;
  if (token && token === options.ownerToken) return 'owner';
  if (token && options.tokens?.includes(token)) return 'user';
  return c.text('Authorization is invalid: malformed token', 401);
}

function hostDatabase(identity: string, tables: SpacetimeTable[]): HostedDatabase {
  const sqlite = new Database(':memory:');
  for (const table of tables) {
    const columns = table.columns.map((col) => `"${col.name}" ${sqliteType(col.type)}`).join(', ');
    sqlite.exec(`CREATE TABLE "${table.name}" (${columns})`);
    const insert = sqlite.prepare(`INSERT INTO "${table.name}" VALUES (${table.columns.map(() => '?').join(', ')})`);
    for (const row of table.rows ?? []) insert.run(...row.map((value, i) => storedValue(value, table.columns[i]!.type)));
  }
  return { identity, sqlite, tables: new Map(tables.map((t) => [t.name, t])) };
}

function primitiveOf(type: SpacetimeType): SpacetimePrimitive {
  return typeof type === 'string' ? type : type.option;
}

function sqliteType(type: SpacetimeType): string {
  const p = primitiveOf(type);
  return p === 'String' ? 'TEXT' : p === 'F32' || p === 'F64' ? 'REAL' : 'INTEGER';
}

function storedValue(value: unknown, type: SpacetimeType): unknown {
  if (value === null || value === undefined) return null;
  if (primitiveOf(type) === 'Timestamp') {
    if (value instanceof Date) return value.getTime() * 1000;
    if (typeof value === 'string') return Date.parse(value) * 1000;
  }
  return typeof value === 'boolean' ? Number(value) : value;
}

function runSql(c: FakeContext, db: HostedDatabase, caller: Caller): Response {
  const started = process.hrtime.bigint();
  const sql = c.get('rawBody');
  const hidden = referencedTables(sql).find((t) => db.tables.get(t)?.public === false && caller !== 'owner');
  if (hidden) return c.text(`no such table: \`${hidden}\`. If the table exists, it may be marked private.`, 400);
  let statement: Database.Statement;
  try {
    statement = db.sqlite.prepare(sql);
  } catch (error) {
    return c.text(sqlError(error, referencedTables(sql)[0]), 400);
  }
  let body: Record<string, unknown>;
  if (statement.reader) {
    body = selectResult(db, statement);
  } else {
    if (caller !== 'owner') return c.text('Only owners are authorized to run SQL DML statements', 401);
    const changes = statement.run().changes;
    const verb = sql.trim().split(/\s+/)[0]!.toUpperCase();
    body = {
      schema: { elements: [] }, rows: [],
      stats: { rows_inserted: verb === 'INSERT' ? changes : 0, rows_deleted: verb === 'DELETE' ? changes : 0, rows_updated: verb === 'UPDATE' ? changes : 0 },
    };
  }
  const micros = Number((process.hrtime.bigint() - started) / 1000n);
  c.header('spacetime-execution-duration-micros', String(micros));
  return c.json([{ schema: body.schema, rows: body.rows, total_duration_micros: micros, stats: body.stats }]);
}

function selectResult(db: HostedDatabase, statement: Database.Statement): Record<string, unknown> {
  const columns = statement.columns();
  const raw = statement.raw(true).all() as unknown[][];
  const types = columns.map((col, i): SpacetimeType => {
    const declared = col.table && col.column ? db.tables.get(col.table)?.columns.find((c) => c.name === col.column)?.type : undefined;
    return declared ?? inferType(raw.map((row) => row[i]));
  });
  return {
    schema: { elements: columns.map((col, i) => ({ name: { some: col.name }, algebraic_type: typeJson(types[i]!) })) },
    rows: raw.map((row) => row.map((value, i) => valueJson(value, types[i]!))),
    stats: { rows_inserted: 0, rows_deleted: 0, rows_updated: 0 },
  };
}

function inferType(values: unknown[]): SpacetimeType {
  const sample = values.find((v) => v !== null && v !== undefined);
  if (typeof sample === 'string') return 'String';
  if (typeof sample === 'number' && !Number.isInteger(sample)) return 'F64';
  return 'U64'; // COUNT(*) and other integer expressions
}

const PRODUCT_UNIT = { Product: { elements: [] } };

/** SATS JSON of an algebraic type, e.g. `{"F64":[]}`; Timestamp and Option are a product and a sum. */
export function typeJson(type: SpacetimeType): unknown {
  if (typeof type !== 'string') {
    return { Sum: { variants: [
      { name: { some: 'some' }, algebraic_type: typeJson(type.option) },
      { name: { some: 'none' }, algebraic_type: PRODUCT_UNIT },
    ] } };
  }
  if (type === 'Timestamp') {
    return { Product: { elements: [{ name: { some: '__timestamp_micros_since_unix_epoch__' }, algebraic_type: { I64: [] } }] } };
  }
  return { [type]: [] };
}

/** Untyped SATS value JSON: products are arrays, sums `[tag, value]`, primitives plain. */
function valueJson(value: unknown, type: SpacetimeType): unknown {
  if (typeof type !== 'string') return value === null ? [1, []] : [0, valueJson(value, type.option)];
  if (type === 'Bool') return value === 1 || value === true;
  if (type === 'Timestamp') return [value];
  return value;
}

function referencedTables(sql: string): string[] {
  return [...sql.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE)\s+"?([A-Za-z_][A-Za-z0-9_]*)"?/gi)].map((m) => m[1]!);
}

function sqlError(error: unknown, table: string | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  const missingTable = /no such table: (\S+)/.exec(message)?.[1];
  if (missingTable) return `no such table: \`${missingTable}\`. If the table exists, it may be marked private.`;
  const missingColumn = /no such column: (\S+)/.exec(message)?.[1];
  if (missingColumn) return `\`${table ?? '?'}\` does not have a field \`${missingColumn}\``;
  return `SQL parse error: ${message}`;
}
