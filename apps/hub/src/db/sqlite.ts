import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { SqliteStore } from './client.js';
import * as schema from './schema/index.js';

// The migration history every existing SQLite data dir has applied: it stays in drizzle/ (the migrator matches
// entries by their journal timestamps, so the folder must keep its journal as it is).
const migrationsFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/** Opens the hub's SQLite store in WAL mode and applies pending migrations. */
export function openSqlite(file: string): SqliteStore {
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  return {
    dialect: 'sqlite',
    db,
    sqlite,
    rows: (query) => Promise.resolve(db.all(query)),
    ping: () => {
      try {
        return Promise.resolve(sqlite.prepare('select 1 as ok').get() !== undefined);
      } catch {
        return Promise.resolve(false);
      }
    },
    close: () => {
      if (sqlite.open) sqlite.close();
      return Promise.resolve();
    },
  };
}
