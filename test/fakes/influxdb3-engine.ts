// Table storage and SQL execution for the InfluxDB 3 fake. SQLite stands in for DataFusion:
// `time` is kept as fixed-width UTC text (9 fractional digits) and timestamp literals in the query
// are rewritten to the same form, so `time >= '<RFC 3339>'` compares like DataFusion's cast.
import Database from 'better-sqlite3';

export type InfluxColumnType = 'time' | 'tag' | 'float' | 'integer' | 'boolean' | 'string';
export type InfluxValue = string | number | boolean | null;
export type InfluxSeedRow = Record<string, InfluxValue | Date | undefined>;
export type ResultRow = Record<string, InfluxValue>;

interface Table {
  columns: Map<string, InfluxColumnType>;
  rows: Record<string, InfluxValue>[];
}

/** Thrown for query failures; `status`/`body` are what the server answers. */
export class InfluxQueryError extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(body);
  }
}

const SQL_TYPES: Record<InfluxColumnType, string> = {
  time: 'TEXT', tag: 'TEXT', string: 'TEXT', float: 'REAL', integer: 'INTEGER', boolean: 'BOOLEAN',
};
const ISO_LITERAL = /'(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?'/g;

export class InfluxDatabase {
  private readonly tables = new Map<string, Table>();
  private readonly sqlite = new Database(':memory:');
  private dirty = new Set<string>();

  /** Adds rows; string fields named in `tags` become tag columns, numbers are Float64 unless listed in `integers`. */
  write(table: string, rows: InfluxSeedRow[], hints: { tags?: string[]; integers?: string[] } = {}): void {
    const entry = this.tables.get(table) ?? { columns: new Map([['time', 'time' as const]]), rows: [] };
    for (const row of rows) {
      const stored: Record<string, InfluxValue> = {};
      for (const [name, value] of Object.entries(row)) {
        if (value === undefined) continue;
        if (name === 'time') {
          stored.time = canonicalTime(value);
          continue;
        }
        if (!entry.columns.has(name) && value !== null) entry.columns.set(name, columnType(name, value, hints));
        stored[name] = value instanceof Date ? canonicalTime(value) : value;
      }
      stored.time ??= canonicalTime(new Date());
      entry.rows.push(stored);
    }
    this.tables.set(table, entry);
    this.dirty.add(table);
  }

  query(sql: string, params: Record<string, unknown> | undefined): { columns: string[]; rows: ResultRow[] } {
    this.sync();
    let statement: Database.Statement;
    try {
      statement = this.sqlite.prepare(rewriteTimeLiterals(sql));
    } catch (error) {
      throw planningError(error);
    }
    if (!statement.reader) {
      throw new InfluxQueryError(500, 'query error: error while planning query: This feature is not implemented: Unsupported logical plan: Dml');
    }
    const columns = statement.columns();
    const raw = (params ? statement.raw(true).all(bindable(params)) : statement.raw(true).all()) as InfluxValue[][];
    const types = columns.map((c) => (c.table && c.column ? this.tables.get(c.table)?.columns.get(c.column) : undefined));
    const rows = raw.map((values) => {
      const row: ResultRow = {};
      values.forEach((value, i) => {
        row[columns[i]!.name] = outputValue(value, types[i]);
      });
      return row;
    });
    return { columns: columns.map((c) => c.name), rows };
  }

  close(): void {
    this.sqlite.close();
  }

  /** Rebuilds changed tables with columns in name order, as `SELECT *` lists them upstream. */
  private sync(): void {
    for (const name of this.dirty) {
      const table = this.tables.get(name)!;
      const columns = [...table.columns.keys()].sort();
      const quoted = (c: string): string => `"${c.replace(/"/g, '""')}"`;
      this.sqlite.exec(`DROP TABLE IF EXISTS ${quoted(name)}`);
      this.sqlite.exec(`CREATE TABLE ${quoted(name)} (${columns.map((c) => `${quoted(c)} ${SQL_TYPES[table.columns.get(c)!]}`).join(', ')})`);
      const insert = this.sqlite.prepare(`INSERT INTO ${quoted(name)} (${columns.map(quoted).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      for (const row of table.rows) insert.run(...columns.map((c) => sqliteValue(row[c])));
    }
    this.dirty = new Set();
  }
}

function columnType(name: string, value: InfluxValue | Date, hints: { tags?: string[]; integers?: string[] }): InfluxColumnType {
  if (value instanceof Date) return 'time';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return hints.integers?.includes(name) ? 'integer' : 'float';
  return hints.tags?.includes(name) ? 'tag' : 'string';
}

function sqliteValue(value: InfluxValue | undefined): string | number | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'boolean' ? Number(value) : value;
}

function bindable(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === 'boolean' ? Number(v) : v]));
}

function outputValue(value: InfluxValue, type: InfluxColumnType | undefined): InfluxValue {
  if (value === null) return null;
  if (type === 'boolean') return value === 1 || value === true;
  if (type === 'time' && typeof value === 'string') return displayTime(value);
  return value;
}

/** Fixed-width UTC text that sorts like the instant: `YYYY-MM-DDTHH:MM:SS.fffffffff`. */
export function canonicalTime(value: InfluxValue | Date): string {
  if (value instanceof Date) return `${value.toISOString().slice(0, 19)}.${String(value.getUTCMilliseconds()).padStart(3, '0')}000000`;
  if (typeof value === 'number') return canonicalTime(new Date(value));
  const text = String(value);
  ISO_LITERAL.lastIndex = 0;
  const match = ISO_LITERAL.exec(`'${text}'`);
  if (!match) throw new Error(`not an RFC 3339 time: ${text}`);
  return canonicalFromParts(match[1]!, match[2], match[3], match[4]);
}

function canonicalFromParts(date: string, clock = '00:00:00', fraction = '', zone = 'Z'): string {
  const fullClock = clock.length === 5 ? `${clock}:00` : clock;
  const instant = new Date(`${date}T${fullClock}${zone === 'Z' ? 'Z' : zone}`);
  if (Number.isNaN(instant.getTime())) throw new Error(`invalid time ${date}T${clock}`);
  return `${instant.toISOString().slice(0, 19)}.${fraction.padEnd(9, '0')}`;
}

/** How arrow renders a timezone-less nanosecond timestamp: fraction of 0, 3, 6 or 9 digits. */
export function displayTime(canonical: string): string {
  const [seconds, fraction = ''] = canonical.split('.');
  if (/^0*$/.test(fraction)) return seconds!;
  for (const digits of [3, 6]) if (/^0*$/.test(fraction.slice(digits))) return `${seconds}.${fraction.slice(0, digits)}`;
  return `${seconds}.${fraction}`;
}

function rewriteTimeLiterals(sql: string): string {
  const now = `'${canonicalTime(new Date())}'`;
  return sql
    .replace(ISO_LITERAL, (whole, date: string, clock?: string, fraction?: string, zone?: string) => {
      try {
        return `'${canonicalFromParts(date, clock, fraction, zone)}'`;
      } catch {
        return whole;
      }
    })
    .replace(/\bnow\(\)/gi, now);
}

function planningError(error: unknown): InfluxQueryError {
  const message = error instanceof Error ? error.message : String(error);
  const table = /no such table: (\S+)/.exec(message)?.[1];
  const column = /no such column: (\S+)/.exec(message)?.[1];
  const detail = table
    ? `Error during planning: table 'public.iox.${table}' not found`
    : column
      ? `Schema error: No field named ${column}.`
      : /more than one statement/i.test(message)
        ? 'This feature is not implemented: The context currently only supports a single SQL statement'
        : `SQL error: ParserError("${message}")`;
  return new InfluxQueryError(500, `query error: error while planning query: ${detail}`);
}
