import { checkStatus, httpCall, jsonOf } from '../http-client.js';
import { upstreamFailed } from '../upstream.js';
import { isRecord, type SourceContext, type SourceRecord } from './context.js';

// spacetimedb: `POST /v1/database/:name/sql` with the SQL as the raw body. The answer is SATS JSON:
// per statement `{schema: {elements: [{name: {some}, algebraic_type}]}, rows: [[...]]}`.
export interface SpacetimeSource {
  api_url: string;
  database: string;
  query: string;
  auth_token?: string | undefined;
}

const WHAT = 'SpacetimeDB';
const TIMESTAMP_FIELD = '__timestamp_micros_since_unix_epoch__';

type Decoder = (v: unknown) => unknown;

const nameOf = (n: unknown): string | undefined => (isRecord(n) && typeof n.some === 'string' ? n.some : undefined);

/** A value decoder per column type: Timestamp products become Dates, Option sums their inner value or null. */
function decoderFor(type: unknown): Decoder {
  if (!isRecord(type)) return (v) => v;
  const product = isRecord(type.Product) ? type.Product : undefined;
  const elements = product && Array.isArray(product.elements) ? product.elements : undefined;
  if (elements?.length === 1 && nameOf((elements[0] as Record<string, unknown>).name) === TIMESTAMP_FIELD) {
    return (v) => (Array.isArray(v) && v.length === 1 ? new Date(Number(v[0]) / 1000) : v);
  }
  const sum = isRecord(type.Sum) ? type.Sum : undefined;
  const variants = sum && Array.isArray(sum.variants) ? sum.variants.map((x) => (isRecord(x) ? x : {})) : undefined;
  if (variants?.length === 2 && nameOf(variants[0]!.name) === 'some' && nameOf(variants[1]!.name) === 'none') {
    const inner = decoderFor(variants[0]!.algebraic_type);
    return (v) => (Array.isArray(v) && v[0] === 0 ? inner(v[1]) : null);
  }
  return (v) => v;
}

export function decodeStatement(stmt: unknown): SourceRecord[] {
  if (!isRecord(stmt) || !isRecord(stmt.schema) || !Array.isArray(stmt.schema.elements) || !Array.isArray(stmt.rows)) {
    throw upstreamFailed(WHAT, 'Answer is not a statement result with schema and rows');
  }
  const cols = stmt.schema.elements.map((e, i) => {
    const el = isRecord(e) ? e : {};
    return { name: nameOf(el.name) ?? `column_${i + 1}`, decode: decoderFor(el.algebraic_type) };
  });
  return stmt.rows.map((row) => {
    const values = Array.isArray(row) ? row : [];
    return Object.fromEntries(cols.map((c, i) => [c.name, c.decode(values[i])]));
  });
}

export async function readSpacetime(src: SpacetimeSource, ctx: SourceContext): Promise<SourceRecord[]> {
  const headers: Record<string, string> = { 'content-type': 'text/plain', accept: 'application/json' };
  if (src.auth_token) headers.authorization = `Bearer ${src.auth_token}`;
  const url = `${src.api_url.replace(/\/+$/, '')}/v1/database/${encodeURIComponent(src.database)}/sql`;
  const res = await httpCall({ method: 'POST', url, headers, body: src.query }, { policy: ctx.policy, timeoutMs: ctx.timeoutMs, what: WHAT });
  if (res.status === 401 || res.status === 403) throw upstreamFailed(WHAT, `Authentication refused (${res.status}); check auth_token`);
  checkStatus(res, WHAT);
  const body = jsonOf(res, WHAT);
  if (!Array.isArray(body) || body.length === 0) throw upstreamFailed(WHAT, 'Answer is not an array of statement results');
  // The last statement's rows are the result (a single SELECT is the usual case).
  return decodeStatement(body[body.length - 1]).slice(0, ctx.rowCap + 1);
}
