import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError, badRequest } from '../../../errors.js';
import { upstreamRejected } from '../upstream.js';
import type { SourceContext, SourceRecord } from './context.js';

// sqlite: a file on the hub's machine, opened read-only, and only under the configured import directory
// (real paths compared, so `..` and symlinks pointing out are refused).
export interface SqliteSource {
  connection_string: string;
  query: string;
}

export function resolveImportPath(importDir: string, requested: string): string {
  const refused = (why: string) => badRequest("Invalid request body: 'connection_string' is outside the import directory", why);
  if (!fs.existsSync(importDir)) throw refused(`The import directory ${importDir} does not exist`);
  const root = fs.realpathSync(importDir);
  const candidate = path.resolve(root, requested);
  if (candidate !== root && !candidate.startsWith(root + path.sep)) throw refused(`${requested} is not under ${root}`);
  if (!fs.existsSync(candidate)) throw badRequest("Invalid request body: 'connection_string' names no file", `${requested} does not exist under ${root}`);
  const real = fs.realpathSync(candidate);
  if (!real.startsWith(root + path.sep)) throw refused(`${requested} leads outside ${root}`);
  if (!fs.statSync(real).isFile()) throw badRequest("Invalid request body: 'connection_string' is not a file");
  return real;
}

export function readSqlite(src: SqliteSource, ctx: SourceContext): SourceRecord[] {
  const file = resolveImportPath(ctx.importDir, src.connection_string);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new AppError('BAD_REQUEST', 'Not a SQLite database', { details: (err as Error).message });
  }
  try {
    db.pragma('query_only = ON');
    const stmt = db.prepare(src.query);
    if (!stmt.reader) throw badRequest('Only queries that return rows can be imported', 'Use a SELECT statement');
    const rows: SourceRecord[] = [];
    for (const row of stmt.iterate() as IterableIterator<SourceRecord>) {
      rows.push(row);
      if (rows.length >= ctx.rowCap) break;
    }
    return rows;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw upstreamRejected('SQLite', (err as Error).message);
  } finally {
    db.close();
  }
}
