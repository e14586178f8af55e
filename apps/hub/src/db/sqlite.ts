import { AsyncLocalStorage } from 'node:async_hooks';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { SQL } from 'drizzle-orm';
import { drizzle as drizzleSync } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';
import { drizzle } from 'drizzle-orm/sqlite-proxy';
import type { Db, SqliteStore } from './client.js';
import * as schema from './schema/index.js';

// The migration history every existing SQLite data dir has applied: it stays in drizzle/ (the migrator matches
// entries by their journal timestamps, so the folder must keep its journal as it is).
const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');
const STATEMENT_CACHE = 500;

/**
 * One open transaction at a time on the one connection, and no statement of anyone else inside it. A transaction
 * callback is async (as on PostgreSQL), so other requests run while it awaits; their statements would otherwise
 * land in the open transaction and commit or roll back with it. Statements carry their transaction in an
 * AsyncLocalStorage; any other statement waits until the transaction ends.
 */
function transactionGate() {
  const owner = new AsyncLocalStorage<object>();
  let open: { owner: object; done: Promise<void> } | undefined;
  return {
    /** Resolves when the caller may run a statement now. */
    async admit(): Promise<void> {
      while (open && owner.getStore() !== open.owner) await open.done;
    },
    blocked: () => open !== undefined && owner.getStore() !== open.owner,
    inside: () => open !== undefined && owner.getStore() === open.owner,
    async exclusive<T>(fn: () => Promise<T>): Promise<T> {
      while (open) await open.done;
      const me = {};
      let release!: () => void;
      open = { owner: me, done: new Promise<void>((r) => (release = r)) };
      try {
        return await owner.run(me, fn);
      } finally {
        open = undefined;
        release();
      }
    },
  };
}

/** Opens the hub's SQLite store in WAL mode and applies pending migrations. */
export function openSqlite(file: string): SqliteStore {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  migrate(drizzleSync(sqlite, { schema }), { migrationsFolder });

  const statements = new Map<string, Database.Statement>();
  const prepare = (text: string) => {
    let stmt = statements.get(text);
    if (!stmt) {
      if (statements.size >= STATEMENT_CACHE) statements.clear();
      stmt = sqlite.prepare(text);
      statements.set(text, stmt);
    }
    return stmt;
  };
  const execute = (text: string, params: unknown[], method: 'run' | 'all' | 'values' | 'get') => {
    const stmt = prepare(text);
    if (method === 'run' && !stmt.reader) return { rows: [], ...stmt.run(...params) };
    if (method === 'get') return { rows: stmt.raw(true).get(...params) as unknown[] };
    return { rows: stmt.reader ? (stmt.raw(true).all(...params) as unknown[][]) : (stmt.run(...params), []) };
  };
  const gate = transactionGate();
  const db = drizzle(async (text, params, method) => {
    if (gate.blocked()) await gate.admit();
    return execute(text, params, method);
  }, { schema });

  // drizzle's own transaction (begin, the async callback, commit or rollback) inside the gate; a transaction
  // opened inside one joins it (SQLite has no nested BEGIN).
  const base = db.transaction.bind(db);
  const transaction: typeof db.transaction = (fn, config) =>
    gate.inside() ? fn(db as unknown as Parameters<typeof fn>[0]) : gate.exclusive(() => base(fn, config));
  Object.defineProperty(db, 'transaction', { value: transaction });

  const dialect = new SQLiteAsyncDialect();
  return {
    dialect: 'sqlite',
    db: db as Db,
    sqlite,
    rows: async <T>(query: SQL) => {
      if (gate.blocked()) await gate.admit();
      const { sql: text, params } = dialect.sqlToQuery(query);
      const stmt = prepare(text);
      return (stmt.reader ? stmt.raw(false).all(...params) : (stmt.run(...params), [])) as T[];
    },
    ping: () => {
      try {
        return Promise.resolve(sqlite.prepare('select 1 as ok').get() !== undefined);
      } catch {
        return Promise.resolve(false);
      }
    },
    close: async () => {
      await gate.exclusive(async () => {});
      statements.clear();
      if (sqlite.open) sqlite.close();
    },
  };
}
