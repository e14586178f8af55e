// Fake InfluxDB 3 (Core) SQL query API, written from docs/upstreams/sources.md and the
// public server's influxdb3_server/src/http.rs: `GET|POST /api/v3/query_sql` with q, db, format,
// params; errors with the server's statuses and bodies (text, or `{"error","data"}` for 404 db).
import { createFakeApp, isRecord, listen } from './shared/http-fake.js';
import type { FakeContext, FakeHandle } from './shared/http-fake.js';
import { InfluxDatabase, InfluxQueryError } from './influxdb3-engine.js';
import type { InfluxSeedRow, ResultRow } from './influxdb3-engine.js';

export interface InfluxDb3FakeOptions {
  /** When set, every request needs `Authorization: Bearer|Token <token>` (or Basic user:token). */
  token?: string;
  latencyMs?: number;
}

export interface InfluxDb3Fake extends FakeHandle {
  /** Writes rows into `db.table` (both created on first use). `time` takes Date, RFC 3339 or epoch ms. */
  write(db: string, table: string, rows: InfluxSeedRow[], hints?: { tags?: string[]; integers?: string[] }): void;
  createDatabase(db: string): void;
}

type Format = 'json' | 'jsonl' | 'csv' | 'pretty' | 'parquet';
const FORMATS: Record<string, Format> = { json: 'json', jsonl: 'jsonl', json_lines: 'jsonl', csv: 'csv', pretty: 'pretty', parquet: 'parquet' };
const CONTENT_TYPES: Record<Format, string> = {
  json: 'application/json', jsonl: 'application/jsonl', csv: 'text/csv',
  pretty: 'text/plain; charset=utf-8', parquet: 'application/vnd.apache.parquet',
};
const ACCEPT_FORMATS: Record<string, Format> = {
  'application/vnd.apache.parquet': 'parquet', 'text/csv': 'csv', 'text/plain': 'pretty', 'application/json': 'json', '*/*': 'json',
};
const MALFORMED_AUTH = "Authorization header was malformed, the request was not in the form of 'Authorization: <auth-scheme> <token>', supported auth-schemes are Bearer, Token and Basic";

export async function startInfluxDb3Fake(options: InfluxDb3FakeOptions = {}): Promise<InfluxDb3Fake> {
  const databases = new Map<string, InfluxDatabase>();
  const database = (name: string): InfluxDatabase => {
    const existing = databases.get(name) ?? new InfluxDatabase();
    databases.set(name, existing);
    return existing;
  };
  const { app, faults } = createFakeApp({
    latencyMs: options.latencyMs,
    failureResponse: (c, status) => c.text(status === 503 ? 'this service is overloaded, please try again later' : 'internal error', status as 500),
  });
  app.use('*', async (c, next) => (options.token ? authenticate(c, options.token, next) : next()));
  app.get('/health', (c) => c.text('OK'));
  const handler = (c: FakeContext): Response => querySql(c, databases);
  app.get('/api/v3/query_sql', handler);
  app.post('/api/v3/query_sql', handler);
  app.notFound((c) => c.text('not found', 404));
  const handle = await listen(app, faults);
  return {
    ...handle,
    close: async () => {
      await handle.close();
      for (const db of databases.values()) db.close();
    },
    write: (db, table, rows, hints) => database(db).write(table, rows, hints),
    createDatabase: (db) => void database(db),
  };
}

/** Missing or wrong token: 401 with an empty body; a malformed header: 400 with a JSON error. */
async function authenticate(c: FakeContext, token: string, next: () => Promise<void>): Promise<Response | void> {
  const header = c.req.header('authorization');
  if (!header) return c.body(null, 401);
  const parts = header.split(' ');
  const [scheme, credential] = parts;
  if (parts.length !== 2 || !credential || !['Bearer', 'Token', 'Basic'].includes(scheme!)) {
    return c.body(`{"error": "${MALFORMED_AUTH}"}`, 400);
  }
  const presented = scheme === 'Basic' ? Buffer.from(credential, 'base64').toString('utf8').split(':').pop() : credential;
  if (presented !== token) return c.body(null, 401);
  return next();
}

interface QueryRequest {
  db: string;
  q: string;
  format?: unknown;
  params?: unknown;
}

function querySql(c: FakeContext, databases: Map<string, InfluxDatabase>): Response {
  const parsed = c.req.method === 'GET' ? fromQueryString(c) : fromJsonBody(c);
  if (typeof parsed === 'string') return c.text(parsed, 400);
  const format = resolveFormat(c, parsed.format);
  if (typeof format !== 'string') return c.text(format.error, format.status as 400);
  if (format === 'parquet') return c.text('parquet output is not supported by this fake (see test/fakes/README.md)', 501);
  const db = databases.get(parsed.db);
  if (!db) return c.json({ error: `query error: database not found: ${parsed.db}`, data: null }, 404);
  try {
    const params = isRecord(parsed.params) ? parsed.params : undefined;
    const result = db.query(parsed.q, params);
    c.header('content-type', CONTENT_TYPES[format]);
    return c.body(render(format, result.columns, result.rows), 200);
  } catch (error) {
    if (error instanceof InfluxQueryError) return c.text(error.body, error.status as 500);
    throw error;
  }
}

function fromQueryString(c: FakeContext): QueryRequest | string {
  const query = c.req.query();
  if (Object.keys(query).length === 0) return "missing query parameters 'db' and 'q'";
  if (query.db === undefined) return 'serde error: missing field `db`';
  if (query.q === undefined) return 'serde error: missing field `q`';
  let params: unknown;
  if (query.params !== undefined) {
    try {
      params = JSON.parse(query.params);
    } catch (error) {
      return `serde json error: ${(error as Error).message}`;
    }
  }
  return { db: query.db, q: query.q, format: query.format, params };
}

function fromJsonBody(c: FakeContext): QueryRequest | string {
  let body: unknown;
  try {
    body = JSON.parse(c.get('rawBody'));
  } catch (error) {
    return `serde json error: ${(error as Error).message}`;
  }
  if (!isRecord(body)) return 'serde json error: invalid type: expected struct QueryRequest';
  if (typeof body.db !== 'string') return 'serde json error: missing field `db`';
  if (typeof body.q !== 'string') return 'serde json error: missing field `q`';
  return { db: body.db, q: body.q, format: body.format ?? undefined, params: body.params };
}

// An explicit `format` wins; otherwise the Accept header decides (browser lists with any-type mean JSON).
function resolveFormat(c: FakeContext, requested: unknown): Format | { status: number; error: string } {
  if (requested !== undefined) {
    const format = typeof requested === 'string' ? FORMATS[requested] : undefined;
    return format ?? { status: 400, error: `serde error: unknown variant \`${String(requested)}\`, expected one of \`parquet\`, \`csv\`, \`pretty\`, \`json\`, \`json_lines\`` };
  }
  const accept = c.req.header('accept');
  if (accept === undefined) return 'json';
  const format = ACCEPT_FORMATS[accept];
  if (format) return format;
  if (accept.includes('text/html') || accept.includes('*/*')) return 'json';
  return { status: 500, error: `invalid mime type (${accept})` };
}

function render(format: Format, columns: string[], rows: ResultRow[]): string {
  // arrow_json leaves null columns out of each row object
  const compact = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)));
  if (format === 'json') return JSON.stringify(compact);
  if (format === 'jsonl') return compact.map((row) => `${JSON.stringify(row)}\n`).join('');
  if (format === 'csv') return renderCsv(columns, rows);
  return renderPretty(columns, rows);
}

function renderCsv(columns: string[], rows: ResultRow[]): string {
  const cell = (value: unknown): string => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  if (rows.length === 0) return '';
  return [columns.map(cell).join(','), ...rows.map((row) => columns.map((c) => cell(row[c])).join(','))]
    .map((line) => `${line}\n`).join('');
}

function renderPretty(columns: string[], rows: ResultRow[]): string {
  const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => text(r[c]).length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [rule, line(columns), rule, ...rows.map((r) => line(columns.map((c) => text(r[c])))), rule].join('\n');
}
