import type mysql from 'mysql2/promise';
import { AppError, badRequest } from '../../../errors.js';
import { checkStatus, httpCall, jsonOf } from '../http-client.js';
import { resolveChecked } from '../outbound-policy.js';
import { isNetworkError, upstreamFailed, upstreamRejected, withDeadline } from '../upstream.js';
import { isRecord, type SourceContext, type SourceRecord } from './context.js';

// postgresql and tidb: the user's query runs read-only (a read-only transaction / session), under a
// statement timeout, wrapped in `SELECT * FROM (...) LIMIT cap + 1` so the row cap holds on the server (the
// one row past it tells the import it was cut).
export interface SqlSource {
  source_type: 'postgresql' | 'tidb';
  connection_string?: string | undefined;
  api_url?: string | undefined;
  api_key?: string | undefined;
  query: string;
}

const capped = (query: string, cap: number) => `SELECT * FROM (${query.trim().replace(/;+\s*$/, '')}) AS prometheus_import LIMIT ${cap}`;

function parseUrl(cs: string, protocols: string[]): URL {
  let url: URL;
  try {
    url = new URL(cs);
  } catch {
    throw badRequest("Invalid request body: 'connection_string' is not a URL", `Expected ${protocols[0]}//user:pass@host:port/db`);
  }
  if (!protocols.includes(url.protocol)) throw badRequest(`Invalid request body: 'connection_string' must start with ${protocols.join(' or ')}//`);
  return url;
}

async function readPostgres(src: SqlSource, ctx: SourceContext): Promise<SourceRecord[]> {
  const url = parseUrl(src.connection_string!, ['postgresql:', 'postgres:']);
  const target = await resolveChecked(ctx.policy, url.hostname);
  // Drivers load on first use: the hub's idle memory stays free of connectors nobody called.
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    connectionString: src.connection_string, host: target.address, connectionTimeoutMillis: ctx.timeoutMs,
    statement_timeout: ctx.timeoutMs, query_timeout: ctx.timeoutMs + 1000,
    // TLS (when the URL asks for it) still checks the certificate against the name the user gave.
    ...(url.searchParams.get('sslmode') && url.searchParams.get('sslmode') !== 'disable' ? { ssl: { servername: url.hostname } } : {}),
  });
  const work = (async () => {
    await client.connect();
    await client.query('BEGIN READ ONLY');
    const result = await client.query({ text: capped(src.query, ctx.rowCap + 1) });
    await client.query('ROLLBACK');
    return result.rows as SourceRecord[];
  })();
  try {
    return await withDeadline('PostgreSQL', ctx.timeoutMs + 2000, work, () => void client.end().catch(() => undefined));
  } catch (err) {
    throw sqlError('PostgreSQL', err, (e) => (e as { code?: string }).code === '57014');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function readMysql(src: SqlSource, ctx: SourceContext): Promise<SourceRecord[]> {
  const url = parseUrl(src.connection_string!, ['mysql:', 'tidb:']);
  const target = await resolveChecked(ctx.policy, url.hostname);
  let conn: mysql.Connection | undefined;
  const { default: driver } = await import('mysql2/promise');
  const work = (async () => {
    conn = await driver.createConnection({
      host: target.address, port: Number(url.port || 4000), user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password), database: decodeURIComponent(url.pathname.slice(1)) || undefined,
      connectTimeout: ctx.timeoutMs, dateStrings: false, supportBigNumbers: true, bigNumberStrings: false,
    });
    await conn.query('SET SESSION TRANSACTION READ ONLY');
    // MariaDB names the statement timeout max_statement_time (s); MySQL and TiDB max_execution_time (ms).
    await conn.query(`SET SESSION max_statement_time = ${ctx.timeoutMs / 1000}`).catch(() =>
      conn!.query(`SET SESSION max_execution_time = ${ctx.timeoutMs}`).catch(() => undefined));
    const [rows] = await conn.query({ sql: capped(src.query, ctx.rowCap + 1), timeout: ctx.timeoutMs });
    return rows as SourceRecord[];
  })();
  try {
    return await withDeadline('TiDB/MySQL', ctx.timeoutMs + 2000, work, () => conn?.destroy());
  } catch (err) {
    throw sqlError('TiDB/MySQL', err, (e) => /max_statement_time|max_execution_time|PROTOCOL_SEQUENCE_TIMEOUT|ETIMEDOUT/i.test(`${(e as { code?: string }).code} ${(e as Error).message}`));
  } finally {
    await conn?.end().catch(() => undefined);
  }
}

/** Server errors on the query are the request's fault (400); network trouble 502; timeouts 504. */
function sqlError(what: string, err: unknown, isTimeout: (e: unknown) => boolean): Error {
  if (err instanceof AppError) return err;
  const e = err as Error & { code?: string };
  if (isTimeout(err)) return new AppError('UPSTREAM_TIMEOUT', `${what} query timed out`, { details: e.message });
  if (isNetworkError(err) || /timeout/i.test(e.message)) return upstreamFailed(what, e.message, err);
  if (/password|authentication|access denied/i.test(e.message)) return upstreamFailed(what, e.message, err);
  return upstreamRejected(what, e.message);
}

/** `api_url`: POST {query, limit}; a bare array, {rows: [...]} or {results: [...]} of row objects. */
async function readRest(src: SqlSource, ctx: SourceContext): Promise<SourceRecord[]> {
  const what = src.source_type === 'postgresql' ? 'PostgreSQL REST API' : 'TiDB REST API';
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (src.api_key) headers.authorization = `Bearer ${src.api_key}`;
  const res = await httpCall({ method: 'POST', url: src.api_url!, headers, body: JSON.stringify({ query: src.query, limit: ctx.rowCap + 1 }) },
    { policy: ctx.policy, timeoutMs: ctx.timeoutMs, what });
  if (res.status === 401 || res.status === 403) throw upstreamFailed(what, `Authentication refused (${res.status})`);
  checkStatus(res, what);
  const body = jsonOf(res, what);
  const rows = Array.isArray(body) ? body : isRecord(body) ? (body.rows ?? body.results) : undefined;
  if (!Array.isArray(rows)) throw upstreamFailed(what, 'Answer is not an array, {rows: [...]} or {results: [...]}');
  const columns = isRecord(body) && Array.isArray(body.columns) ? body.columns.map(String) : undefined;
  return rows.slice(0, ctx.rowCap + 1).map((r) => (Array.isArray(r) && columns ? Object.fromEntries(columns.map((c, i) => [c, r[i]])) : isRecord(r) ? r : { value: r }));
}

export function readSql(src: SqlSource, ctx: SourceContext): Promise<SourceRecord[]> {
  if (src.api_url) return readRest(src, ctx);
  return src.source_type === 'postgresql' ? readPostgres(src, ctx) : readMysql(src, ctx);
}
