// Aegis-DB `POST /api/v1/query` executed on in-memory SQLite databases (one per `database` name).
// SQLite is a stand-in for Aegis's own engine: the envelope and the status mapping follow the
// server's `execute_query` handler (400 parse/plan, 500 execution, generic client messages).
import Database from 'better-sqlite3';

export interface SqlSuccess {
  success: true;
  data: { columns: string[]; rows: unknown[][]; rows_affected: number };
  execution_time_ms: number;
}
export interface SqlFailure {
  success: false;
  error: string;
  execution_time_ms: number;
}

export class SqlDatabases {
  private readonly dbs = new Map<string, Database.Database>();

  /** The SQLite handle behind a database name, created on first use (for seeding in tests). */
  db(name = 'default'): Database.Database {
    let db = this.dbs.get(name);
    if (!db) {
      db = new Database(':memory:');
      this.dbs.set(name, db);
    }
    return db;
  }

  execute(sql: string, params: unknown[], database?: string): { status: number; body: SqlSuccess | SqlFailure } {
    const started = Date.now();
    try {
      const statement = this.db(database ?? 'default').prepare(sql);
      const bound = bindParams(sql, params);
      if (statement.reader) {
        const rows = statement.raw(true).all(...bound) as unknown[][];
        const columns = statement.columns().map((c) => c.name);
        return ok({ columns, rows, rows_affected: rows.length }, started);
      }
      const info = statement.run(...bound);
      return ok({ columns: [], rows: [], rows_affected: info.changes }, started);
    } catch (error) {
      return failure(error, started);
    }
  }

  close(): void {
    for (const db of this.dbs.values()) db.close();
  }
}

/** `$1`-style placeholders bind by position number; `?` binds positionally. */
function bindParams(sql: string, params: unknown[]): unknown[] {
  const values = params.map((v) => (typeof v === 'boolean' ? Number(v) : v));
  if (/\$\d+/.test(sql)) return [Object.fromEntries(values.map((v, i) => [String(i + 1), v]))];
  return values;
}

function ok(data: SqlSuccess['data'], started: number): { status: number; body: SqlSuccess } {
  return { status: 200, body: { success: true, data, execution_time_ms: Date.now() - started } };
}

function failure(error: unknown, started: number): { status: number; body: SqlFailure } {
  const message = error instanceof Error ? error.message : String(error);
  const [status, text] = /syntax error|incomplete input|unrecognized token/i.test(message)
    ? [400, 'Query syntax error']
    : /no such (table|column)|ambiguous column/i.test(message)
      ? [400, 'Query planning error']
      : [500, 'Query execution error'];
  return { status, body: { success: false, error: text, execution_time_ms: Date.now() - started } };
}
