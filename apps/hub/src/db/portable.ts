import { is, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { PgDatabase } from 'drizzle-orm/pg-core';
import type { Db, Dialect, Tx } from './client.js';

// The few SQL forms the two engines spell differently, for repositories that need them. Everything else is
// written once with drizzle's builders (see client.ts).

/** Which engine a database or transaction handle runs on. */
export function dialectOf(db: Db | Tx): Dialect {
  return is(db, PgDatabase) ? 'postgres' : 'sqlite';
}

/** The text at `key` of a JSON object column (NULL when absent). `key` is bound as a parameter. */
export function jsonText(db: Db | Tx, column: AnyColumn, key: string): SQL {
  return dialectOf(db) === 'postgres'
    ? sql`(${column}::jsonb ->> ${key})`
    : sql`json_extract(${column}, ${`$."${key.replaceAll('"', '""')}"`})`;
}
