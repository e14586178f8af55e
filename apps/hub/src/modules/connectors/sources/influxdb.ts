import { checkStatus, httpCall, jsonOf } from '../http-client.js';
import { upstreamFailed, upstreamRejected } from '../upstream.js';
import { isRecord, type SourceContext, type SourceRecord } from './context.js';

// influxdb: InfluxDB 3 `POST /api/v3/query_sql` ({db, q, format: "json"}), a JSON array of row objects.
export interface InfluxSource {
  url: string;
  database: string;
  measurement: string;
  time_range?: { start: string; end: string } | undefined;
  token?: string | undefined;
}

const WHAT = 'InfluxDB';
const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteText = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The SQL the contract's fields describe; identifiers quoted, times as literals of validated ISO strings; `limit` rows at most. */
export function influxSql(src: InfluxSource, limit: number): string {
  const where = src.time_range ? ` WHERE time >= ${quoteText(src.time_range.start)} AND time <= ${quoteText(src.time_range.end)}` : '';
  return `SELECT * FROM ${quoteIdent(src.measurement)}${where} ORDER BY time LIMIT ${limit}`;
}

export async function readInflux(src: InfluxSource, ctx: SourceContext): Promise<SourceRecord[]> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (src.token) headers.authorization = `Bearer ${src.token}`;
  const res = await httpCall({
    method: 'POST', url: `${src.url.replace(/\/+$/, '')}/api/v3/query_sql`, headers,
    body: JSON.stringify({ db: src.database, q: influxSql(src, ctx.rowCap + 1), format: 'json' }),
  }, { policy: ctx.policy, timeoutMs: ctx.timeoutMs, what: WHAT });
  if (res.status === 401 || res.status === 403) throw upstreamFailed(WHAT, `Authentication refused (${res.status}); check token`);
  // Planning errors (unknown table or column) come back as 500 text: the request's fault, not the server's.
  if (res.status === 500 && /query error|error while planning/i.test(res.text)) throw upstreamRejected(WHAT, res.text.slice(0, 500));
  checkStatus(res, WHAT);
  const body = jsonOf(res, WHAT);
  if (!Array.isArray(body)) throw upstreamFailed(WHAT, 'Answer is not a JSON array of rows');
  return body.filter(isRecord).slice(0, ctx.rowCap + 1);
}
