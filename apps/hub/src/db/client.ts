import type Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import type { SqliteRemoteDatabase } from 'drizzle-orm/sqlite-proxy';
import type pg from 'pg';
import type * as schema from './schema/index.js';
import { openSqlite } from './sqlite.js';

/**
 * What repositories are written against: drizzle's asynchronous SQLite database type. Tables are the SQLite table
 * objects of ./schema on both dialects (on PostgreSQL drizzle's pg dialect builds the SQL from them; pg-schema.ts
 * derives the DDL), so rows have the same JS types everywhere. Portable use: `await` every query,
 * `const [row] = await ...limit(1)`, `.returning()`, `.onConflictDoNothing()/.onConflictDoUpdate()`,
 * `await db.transaction(async (tx) => ...)`; never `.get() .all() .run() .values()` (they exist on SQLite only;
 * lint refuses them in hub code).
 */
export type Db = SqliteRemoteDatabase<typeof schema>;
/** A transaction's handle, for helpers that run inside one. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type Dialect = 'sqlite' | 'postgres';

interface StoreBase {
  db: Db;
  /** Raw rows of a query written with drizzle's `sql` (tests, diagnostics); portable SQL only. */
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  /** True when the store answers a trivial query. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface SqliteStore extends StoreBase {
  dialect: 'sqlite';
  /** The raw handle, for the few places that need SQLite itself (pragmas, backups). */
  sqlite: Database.Database;
}

export interface PostgresStore extends StoreBase {
  dialect: 'postgres';
  /** The pool, for what needs PostgreSQL itself (advisory locks, FOR UPDATE SKIP LOCKED); bigint arrives as number. */
  pg: pg.Pool;
}

export type HubDatabase = SqliteStore | PostgresStore;

export interface StoreOptions {
  /** The SQLite file, used when `url` is absent. */
  file: string;
  /** postgres://... puts every table in PostgreSQL. */
  url?: string | undefined;
}

/** Opens the hub's store (PostgreSQL when a URL is given, else SQLite) and applies pending migrations. */
export function openDatabase(options: StoreOptions): Promise<HubDatabase> {
  // pg loads only when used: the embedded tier's main thread never imports it (main-thread-imports.test.ts).
  if (options.url) {
    const url = options.url;
    return import('./postgres.js').then((m) => m.openPostgres(url));
  }
  return Promise.resolve(openSqlite(options.file));
}
