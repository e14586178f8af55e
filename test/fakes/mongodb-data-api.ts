// Fake MongoDB Atlas Data API (end-of-life 2025-09-30; kept for old deployments), written from
// docs/upstreams/sources.md ("mongodb") and the Data API docs (examples and data formats):
// `POST <base>/action/find|findOne|aggregate` with an `apiKey` header; request bodies are JSON or
// EJSON; responses are canonical EJSON or plain JSON according to the Accept header.
import { EJSON, ObjectId } from 'bson';
import { createFakeApp, isRecord, listen } from './shared/http-fake.js';
import type { FakeContext, FakeHandle } from './shared/http-fake.js';
import { MongoQueryError, aggregate, matches, project, sortDocuments } from './mongo-query.js';
import type { MongoDocument } from './mongo-query.js';

export interface MongoDataApiFakeOptions {
  apiKey?: string;
  /** App id in the base URL `…/app/<appId>/endpoint/data/v1`. */
  appId?: string;
  /** Cluster names accepted as `dataSource`. */
  dataSources?: string[];
  /** Format when the request has no Accept header ('ejson' like a generated endpoint's default). */
  defaultFormat?: 'ejson' | 'json';
  latencyMs?: number;
  /** The most documents one `find` returns, whatever `limit` asks (a deployment with a smaller page size). Unset: `limit` as asked. */
  pageCap?: number;
}

export interface MongoDataApiFake extends FakeHandle {
  /** `<url>/app/<appId>/endpoint/data/v1`: the `api_url` a connector is configured with. */
  apiUrl: string;
  apiKey: string;
  /** Seeds documents (JS values; Date and bson ObjectId keep their BSON types). `_id` defaults to an ObjectId. */
  insert(database: string, collection: string, docs: MongoDocument[]): void;
}

const ACTIONS = ['find', 'findOne', 'aggregate'];

export async function startMongoDataApiFake(options: MongoDataApiFakeOptions = {}): Promise<MongoDataApiFake> {
  const apiKey = options.apiKey ?? 'test-data-api-key';
  const appId = options.appId ?? 'data-fake';
  const sources = options.dataSources ?? ['mongodb-atlas'];
  const store = new Map<string, MongoDocument[]>();
  const { app, faults } = createFakeApp({
    latencyMs: options.latencyMs,
    failureResponse: (c, status) => c.json({ error: 'internal server error', error_code: 'InternalServerError' }, status as 500),
  });
  app.post('/app/:appId/endpoint/data/:version/action/:action', (c) => {
    const denied = checkKey(c, apiKey);
    if (denied) return denied;
    if (c.req.param('appId') !== appId) return errorBody(c, 404, 'cannot find app using Client App ID', 'AppNotFound');
    const action = c.req.param('action') ?? '';
    if (!ACTIONS.includes(action)) return errorBody(c, 404, `action '${action}' is not supported by this fake`, 'FunctionNotFound');
    const request = parseBody(c);
    if (typeof request === 'string') return errorBody(c, 400, request, 'InvalidParameter');
    if (!sources.includes(String(request.dataSource))) {
      return errorBody(c, 404, `service not found: '${String(request.dataSource)}'`, 'ServiceNotFound');
    }
    const docs = store.get(`${String(request.database)}.${String(request.collection)}`) ?? [];
    try {
      return respond(c, runAction(action, docs, request, options.pageCap), options.defaultFormat ?? 'ejson');
    } catch (error) {
      if (error instanceof MongoQueryError) return errorBody(c, 400, `(BadValue) ${error.message}`, 'MongoDBError');
      throw error;
    }
  });
  app.notFound((c) => c.json({ error: 'not found', error_code: 'NotFound' }, 404));
  const handle = await listen(app, faults);
  return {
    ...handle,
    apiUrl: `${handle.url}/app/${appId}/endpoint/data/v1`,
    apiKey,
    insert: (database, collection, docs) => {
      const key = `${database}.${collection}`;
      store.set(key, [...(store.get(key) ?? []), ...docs.map((d) => ({ _id: new ObjectId(), ...d }))]);
    },
  };
}

/** Missing credentials: 400 InvalidParameter; a wrong key: 401 InvalidSession (the spec's body). */
function checkKey(c: FakeContext, apiKey: string): Response | undefined {
  const presented = c.req.header('apiKey');
  if (presented === undefined) return errorBody(c, 400, 'no authentication methods were specified', 'InvalidParameter');
  if (presented !== apiKey) return errorBody(c, 401, 'invalid session: error finding user for endpoint', 'InvalidSession');
  return undefined;
}

function errorBody(c: FakeContext, status: number, error: string, code: string): Response {
  return c.json({ error, error_code: code, link: `https://services.cloud.mongodb.com/logs?co_id=${new ObjectId().toHexString()}` }, status as 400);
}

function parseBody(c: FakeContext): Record<string, unknown> | string {
  let body: unknown;
  try {
    body = EJSON.parse(c.get('rawBody') || 'null', { relaxed: true });
  } catch {
    return 'Failed to parse request body as EJSON';
  }
  if (!isRecord(body)) return 'request body must be a JSON object';
  for (const field of ['dataSource', 'database', 'collection']) {
    if (typeof body[field] !== 'string' || body[field] === '') return `invalid parameter '${field}': must be a non-empty string`;
  }
  return body;
}

function runAction(action: string, docs: MongoDocument[], request: Record<string, unknown>, pageCap?: number): Record<string, unknown> {
  if (action === 'aggregate') return { documents: aggregate(docs, request.pipeline) };
  let found = sortDocuments(docs.filter((d) => matches(d, request.filter)), request.sort);
  if (action === 'findOne') return { document: found[0] ? project(found[0], request.projection) : null };
  const skip = typeof request.skip === 'number' ? request.skip : 0;
  const asked = typeof request.limit === 'number' && request.limit > 0 ? request.limit : undefined;
  const limit = pageCap === undefined ? asked : Math.min(asked ?? pageCap, pageCap);
  found = found.slice(skip, limit === undefined ? undefined : skip + limit);
  return { documents: found.map((d) => project(d, request.projection)) };
}

function respond(c: FakeContext, result: Record<string, unknown>, fallback: 'ejson' | 'json'): Response {
  const accept = c.req.header('accept') ?? '';
  const format = accept.includes('application/ejson') ? 'ejson' : accept.includes('application/json') ? 'json' : fallback;
  const text = format === 'ejson' ? EJSON.stringify(result, { relaxed: false }) : JSON.stringify(toPlainJson(result));
  c.header('content-type', format === 'ejson' ? 'application/ejson' : 'application/json');
  return c.body(text, 200);
}

/** The Data API's JSON format: ObjectId as hex, dates as ISO strings, numbers as plain numbers. */
export function toPlainJson(value: unknown): unknown {
  if (value instanceof ObjectId) return value.toHexString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toPlainJson);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlainJson(v)]));
  return value;
}
