import type { MongoClient } from 'mongodb';
import { AppError } from '../../../errors.js';
import { checkStatus, httpCall, jsonOf } from '../http-client.js';
import { resolveChecked } from '../outbound-policy.js';
import { pageAll, type Page, type PageRequest } from '../paging.js';
import { isNetworkError, upstreamFailed, upstreamRejected, upstreamTimeout, withDeadline } from '../upstream.js';
import { isRecord, type SourceContext, type SourceRecord } from './context.js';

// mongodb: the Atlas Data API (`POST <api_url>/action/find`, `apiKey` header; end-of-life but still deployed)
// or a standard connection string through the official driver.
export interface MongoSource {
  api_url?: string | undefined;
  api_key?: string | undefined;
  connection_string?: string | undefined;
  data_source: string;
  database: string;
  mongodb_collection: string;
  filter: Record<string, unknown>;
}

const WHAT = 'MongoDB';
const PAGE = 10_000;
const strip = ({ _id: _ignored, ...rest }: SourceRecord): SourceRecord => rest;

/** Pages by `skip` to an empty page (the Data API has no cursor, and a deployment may cap `limit`); one past the row cap at most. */
async function readDataApi(src: MongoSource, ctx: SourceContext): Promise<SourceRecord[]> {
  const headers = { 'content-type': 'application/json', accept: 'application/json', apiKey: src.api_key ?? '' };
  const url = `${src.api_url!.replace(/\/+$/, '')}/action/find`;
  const fetch = async ({ limit, skip }: PageRequest): Promise<Page<SourceRecord>> => {
    const body = JSON.stringify({
      dataSource: src.data_source, database: src.database, collection: src.mongodb_collection,
      filter: src.filter, sort: { _id: 1 }, limit, skip,
    });
    const res = await httpCall({ method: 'POST', url, headers, body }, { policy: ctx.policy, timeoutMs: ctx.timeoutMs, what: WHAT });
    if (res.status === 401) throw upstreamFailed(WHAT, `Data API refused the key (401): ${res.text.slice(0, 200)}`);
    checkStatus(res, WHAT);
    const answer = jsonOf(res, WHAT);
    if (!isRecord(answer) || !Array.isArray(answer.documents)) throw upstreamFailed(WHAT, 'Answer has no documents array');
    const docs = answer.documents.filter(isRecord);
    return { items: docs.map(strip), firstId: docs[0] === undefined ? undefined : JSON.stringify(docs[0]._id) };
  };
  return pageAll({ what: WHAT, pageSize: PAGE, want: ctx.rowCap + 1, fetch });
}

async function checkHosts(connectionString: string, ctx: SourceContext): Promise<void> {
  // mongodb+srv resolves through SRV records inside the driver; plain hosts are checked here.
  const hosts = /^mongodb:\/\/(?:[^@/]*@)?([^/?]+)/.exec(connectionString)?.[1]?.split(',') ?? [];
  for (const h of hosts) await resolveChecked(ctx.policy, h.replace(/:\d+$/, ''));
}

async function readDriver(src: MongoSource, ctx: SourceContext): Promise<SourceRecord[]> {
  const cs = src.connection_string!;
  await checkHosts(cs, ctx);
  let client: MongoClient;
  // The driver loads on first use (about 15 MB the idle hub does not hold).
  const { MongoClient: Client } = await import('mongodb');
  try {
    client = new Client(cs, { serverSelectionTimeoutMS: ctx.timeoutMs, connectTimeoutMS: ctx.timeoutMs, socketTimeoutMS: ctx.timeoutMs });
  } catch (err) {
    throw new AppError('BAD_REQUEST', 'Invalid MongoDB connection string', { details: (err as Error).message });
  }
  const work = (async () => {
    const cursor = client.db(src.database).collection(src.mongodb_collection).find(src.filter).limit(ctx.rowCap + 1).maxTimeMS(ctx.timeoutMs);
    return (await cursor.toArray()).map((d) => strip(d as SourceRecord));
  })();
  try {
    return await withDeadline(WHAT, ctx.timeoutMs + 1000, work, () => void client.close(true));
  } catch (err) {
    if (err instanceof AppError) throw err;
    const e = err as Error & { code?: number };
    if (/timed out|Server selection timed out/i.test(e.message) && !isNetworkError(err)) throw upstreamTimeout(WHAT, ctx.timeoutMs);
    if (e.name === 'MongoServerError' && e.code !== 18 && e.code !== 13) throw upstreamRejected(WHAT, e.message);
    throw upstreamFailed(WHAT, e.message, err);
  } finally {
    await client.close(true).catch(() => undefined);
  }
}

export function readMongo(src: MongoSource, ctx: SourceContext): Promise<SourceRecord[]> {
  return src.api_url ? readDataApi(src, ctx) : readDriver(src, ctx);
}
