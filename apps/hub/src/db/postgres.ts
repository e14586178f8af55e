import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Db, PostgresStore } from './client.js';
import * as schema from './schema/index.js';

const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle-pg');
/**
 * Advisory-lock class of the store: (MIGRATION_LOCK, hashtext(schema)) is held while migrating, so replicas
 * starting together apply each migration once. Other cross-replica locks use their own class ids.
 */
export const MIGRATION_LOCK = 0x70726f6d; // 'prom'

type TypeParsers = { getTypeParser(oid: number, format?: string): (value: string) => unknown };
const INT8 = 20;
const NUMERIC = 1700;

// The SQLite column objects read 64-bit integers (epoch-ms times, counters) as numbers; node-postgres hands
// int8 and numeric over as strings. This client converts them for its own queries only, so other users of `pg`
// in the process (the PostgreSQL connector) keep the library's defaults. drizzle passes per-query parsers that
// fall back to the global ones; this wraps them.
function withNumbers(inner: TypeParsers | undefined): TypeParsers {
  return {
    getTypeParser(oid, format) {
      if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
      return inner ? inner.getTypeParser(oid, format) : (pg.types.getTypeParser(oid, format as 'text') as (v: string) => unknown);
    },
  };
}

class HubPgClient extends pg.Client {
  override query(config: unknown, values?: unknown, callback?: unknown): never {
    let cfg = config;
    if (typeof cfg === 'string') cfg = { text: cfg, types: withNumbers(undefined) };
    else if (cfg !== null && typeof cfg === 'object' && typeof (cfg as { submit?: unknown }).submit !== 'function') {
      cfg = { ...cfg, types: withNumbers((cfg as { types?: TypeParsers }).types) };
    }
    return (super.query as (...a: unknown[]) => never)(cfg, values, callback);
  }
}

/**
 * Applies drizzle-pg/ to the connection's current schema (`public`, or the first of a search_path given in the
 * URL's `options`), with the migration record in that schema too: one server can hold several hubs (the test
 * suite gives each test hub its own schema). drizzle-kit writes `"public".` into foreign keys; it is dropped so
 * the tables land in the current schema.
 */
async function migrateSchema(db: NodePgDatabase<typeof schema>): Promise<void> {
  const current = (await db.execute<{ s: string }>(sql`select current_schema() as s`)).rows[0]?.s;
  if (!current) throw new Error('PostgreSQL store: the connection has no current schema (create the one in search_path)');
  await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK}, hashtext(${current}))`);
  try {
    const migrations = readMigrationFiles({ migrationsFolder }).map((m) => ({ ...m, sql: m.sql.map((s) => s.replaceAll('"public".', '')) }));
    // The migrator of drizzle-orm/node-postgres/migrator, with the statements and record schema above.
    const internals = db as unknown as { dialect: { migrate(m: unknown, s: unknown, c: unknown): Promise<void> }; session: unknown };
    await internals.dialect.migrate(migrations, internals.session, { migrationsFolder, migrationsSchema: current });
  } finally {
    await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK}, hashtext(${current}))`);
  }
}

/** Opens a pool on `url` and applies pending PostgreSQL migrations (under an advisory lock). */
export async function openPostgres(url: string): Promise<PostgresStore> {
  const pool = new pg.Pool({ connectionString: url, Client: HubPgClient, max: 10 });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on('error', () => {});
  const db = drizzle(pool, { schema });
  try {
    const client = await pool.connect();
    try {
      await migrateSchema(drizzle(client, { schema }));
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end();
    throw err;
  }
  return {
    dialect: 'postgres',
    // The repositories' one static type (see client.ts): the query builders they use exist on both dialects.
    db: db as unknown as Db,
    pg: pool,
    rows: async <T>(query: Parameters<typeof db.execute>[0]) => (await db.execute(query)).rows as T[],
    ping: async () => {
      try {
        return (await pool.query('select 1 as ok')).rowCount === 1;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
}
