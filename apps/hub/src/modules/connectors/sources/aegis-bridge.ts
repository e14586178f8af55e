import { badRequest } from '../../../errors.js';
import { checkStatus, httpCall, jsonOf } from '../http-client.js';
import { isoOf } from '../rows.js';
import { pageAll, type Page } from '../paging.js';
import { upstreamFailed } from '../upstream.js';
import { isRecord, type SourceContext, type SourceRecord } from './context.js';

// aegis_bridge: an edge controller's Aegis-DB document store (docs/upstreams/aegis-db.md). Documents come wrapped
// (`documents[].data`); pages follow `next_cursor` on newer servers and `skip` on older ones,
// to an empty page: a server may cap its pages below the `limit` asked.
export interface AegisSource {
  controller_ip: string;
  aegis_port: number;
  collection: string;
  time_range?: { start: string; end: string } | undefined;
  auth_token?: string | undefined;
}

const WHAT = 'Aegis-DB';
const PAGE = 1000;
const DAY = 86_400_000;

function pageOf(body: unknown): Page<SourceRecord> {
  if (!isRecord(body) || !Array.isArray(body.documents)) throw upstreamFailed(WHAT, 'Answer has no documents array');
  const docs = body.documents.filter(isRecord);
  const items = docs.map((d) => (isRecord(d.data) ? d.data : {})).map(({ _id: _ignored, ...fields }) => fields);
  const first = docs[0]?.id;
  return {
    items,
    nextCursor: typeof body.next_cursor === 'string' && body.next_cursor !== '' ? body.next_cursor : undefined,
    firstId: typeof first === 'string' ? first : undefined,
  };
}

function baseUrl(src: AegisSource): string {
  const ip = src.controller_ip.includes(':') && !src.controller_ip.startsWith('[') ? `[${src.controller_ip}]` : src.controller_ip;
  if (!/^[\w.:[\]-]+$/.test(ip)) throw badRequest("Invalid request body: 'controller_ip' must be an IP address or host name");
  return `http://${ip}:${src.aegis_port}/api/v1/documents/collections/${encodeURIComponent(src.collection)}`;
}

interface Fetcher {
  (path: string, method: 'GET' | 'POST', body?: unknown): Promise<Page<SourceRecord>>;
}

function fetcher(src: AegisSource, ctx: SourceContext): Fetcher {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (src.auth_token) headers.authorization = `Bearer ${src.auth_token}`;
  const opts = { policy: ctx.policy, timeoutMs: ctx.timeoutMs, what: WHAT };
  return async (suffix, method, body) => {
    const res = await httpCall({ method, url: `${baseUrl(src)}${suffix}`, headers, ...(body ? { body: JSON.stringify(body) } : {}) }, opts);
    if (res.status === 401) throw upstreamFailed(WHAT, `Authentication refused (401): ${res.text.slice(0, 200)}; set auth_token`);
    if (res.status === 404) throw badRequest(`Aegis-DB collection '${src.collection}' not found`, res.text.slice(0, 200));
    checkStatus(res, WHAT);
    return pageOf(jsonOf(res, WHAT));
  };
}

/**
 * Documents in the time range, paged to the end (docs/upstreams/aegis-db.md "Paging"): at most one past the
 * row cap, so the caller can tell the import was cut.
 */
export async function readAegis(src: AegisSource, ctx: SourceContext): Promise<SourceRecord[]> {
  const end = src.time_range?.end ?? ctx.now().toISOString();
  const start = src.time_range?.start ?? new Date(Date.parse(end) - 30 * DAY).toISOString();
  const call = fetcher(src, ctx);
  const [lo, hi] = [Date.parse(start), Date.parse(end)];
  const inRange = (d: SourceRecord) => {
    const t = isoOf(d.timestamp);
    return t === undefined || (Date.parse(t) >= lo && Date.parse(t) <= hi);
  };
  const paging = { what: WHAT, pageSize: PAGE, want: ctx.rowCap + 1, keep: inRange };
  // Two operators on one field: both server versions evaluate that (older ones drop `$and` arrays).
  const filter = { timestamp: { $gte: start, $lte: end } };
  const docs = await pageAll({ ...paging, fetch: ({ limit, skip, cursor }) =>
    call('/query', 'POST', { filter, limit, skip, ...(cursor ? { cursor } : {}), sort: { field: 'timestamp', ascending: true } }) });
  if (docs.length > 0) return docs;
  // Controllers that store epoch numbers match no ISO string range: list the collection and filter here.
  return pageAll({ ...paging, fetch: ({ limit, skip, cursor }) =>
    call(`/documents?limit=${limit}&skip=${skip}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, 'GET') });
}
