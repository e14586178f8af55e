import Database from 'better-sqlite3';
import { betterSqlite3Options } from '../sea-runtime.js';

// The one place the agent opens better-sqlite3: inside the armv7 single executable the native addon is
// loaded with process.dlopen and handed over as `nativeBinding` (src/sea-runtime.ts).
export type SqliteDb = Database.Database;

/** Page cache per connection (KiB). */
export const CACHE_KIB = 1024;

export function openSqlite(file: string): SqliteDb {
  const db = new Database(file, betterSqlite3Options({ timeout: 5000 }));
  db.pragma('journal_mode = WAL');
  // FULL: a reading the source position moved past must survive power loss, not only a crash.
  db.pragma('synchronous = FULL');
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection; an outbox filling through an outage
  // would grow the agent by that much per database on a controller. 1 MiB holds the pages the agent touches.
  db.pragma(`cache_size = -${CACHE_KIB}`);
  return db;
}
