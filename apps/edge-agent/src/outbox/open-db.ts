import Database from 'better-sqlite3';
import { betterSqlite3Options } from '../../../../toolchains/sea-runtime.js';

// The one place the agent opens better-sqlite3: inside the armv7 single executable the native addon is
// loaded with process.dlopen and handed over as `nativeBinding` (toolchains/sea-runtime.ts).
export type SqliteDb = Database.Database;

export function openSqlite(file: string): SqliteDb {
  const db = new Database(file, betterSqlite3Options({ timeout: 5000 }));
  db.pragma('journal_mode = WAL');
  // FULL: a reading the source position moved past must survive power loss, not only a crash.
  db.pragma('synchronous = FULL');
  return db;
}
