// Fake Aegis-DB server (the edge controllers' local database), written from
// docs/upstreams/aegis-db.md and checked against the public server's handlers.
// mode 'old': data routes open, no cursors, time series ignore start/end.
// mode 'new': Bearer token on data routes, `cursor`/`next_cursor`, start/end honoured.
import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { createFakeApp, isRecord, jsonBody, listen, param } from './shared/http-fake.js';
import type { FakeContext, FakeEnv, FakeHandle } from './shared/http-fake.js';
import { DocumentStore, decodeCursor, encodeCursor, wrapDocument } from './aegis-db-documents.js';
import type { AegisValue, LogicalOperators } from './aegis-db-documents.js';
import { TimeSeriesStore } from './aegis-db-timeseries.js';
import { SqlDatabases } from './aegis-db-sql.js';
import type { Hono } from 'hono';
import type BetterSqlite3 from 'better-sqlite3';

export type AegisMode = 'old' | 'new';

export interface AegisUser {
  username: string;
  password: string;
  email?: string;
  role?: string;
}

export interface AegisDbFakeOptions {
  mode?: AegisMode;
  /** A token accepted on data routes in 'new' mode (tokens from login are accepted too). */
  token?: string;
  users?: AegisUser[];
  version?: string;
  latencyMs?: number;
  /** 'ignore' reproduces the public server's parser, which drops `$and`/`$or` arrays. */
  logicalOperators?: LogicalOperators;
  /** false: no `POST /collections/:name/query` route (the edge agent's offset fallback is tested with it). */
  queryRoute?: boolean;
  /**
   * The most documents one listing or query returns, whatever `limit` asks (a server configured with a smaller
   * page size); `next_cursor` ('new') follows a page that filled the cap. Unset: `limit` is honoured as asked.
   */
  pageCap?: number;
}

export interface AegisDbFake extends FakeHandle {
  mode: AegisMode;
  /** Creates the collection when needed, then inserts each document with the server's id rules. */
  insert(collection: string, docs: Record<string, unknown>[]): string[];
  createCollection(name: string): void;
  /** Stored documents of a collection, unwrapped (`{_id, ...fields}`). */
  documents(collection: string): Record<string, unknown>[];
  writePoint(point: { metric: string; value: number; tags?: Record<string, string>; timestamp?: number }): void;
  /** The SQLite database behind `POST /api/v1/query` (seed tables with it). */
  sqlite(database?: string): BetterSqlite3.Database;
  /** Revokes every session token issued by login (the static `token` stays valid). */
  expireSessions(): void;
}

const NOT_FOUND = { error: 'Not found', code: 'NOT_FOUND' };

export async function startAegisDbFake(options: AegisDbFakeOptions = {}): Promise<AegisDbFake> {
  const mode = options.mode ?? 'new';
  const docs = new DocumentStore(options.logicalOperators);
  const series = new TimeSeriesStore();
  const sql = new SqlDatabases();
  const sessions = new Set<string>();
  const { app, faults } = createFakeApp({
    latencyMs: options.latencyMs,
    failureResponse: (c, status) =>
      c.json(status === 503 ? { error: 'Service unavailable', code: 'SERVICE_UNAVAILABLE' }
        : { error: 'Internal server error', code: 'INTERNAL_ERROR' }, status as 500),
  });
  const auth = requireAuth(mode, () => new Set([...sessions, ...(options.token ? [options.token] : [])]));
  app.get('/health', (c) => c.json({ status: 'healthy', version: options.version ?? (mode === 'new' ? '0.2.4' : '0.1.0') }));
  app.post('/api/v1/auth/login', (c) => login(c, options.users ?? [{ username: 'admin', password: 'admin' }], sessions));
  documentRoutes(app, auth, docs, mode, { queryRoute: options.queryRoute ?? true, pageCap: options.pageCap });
  timeSeriesRoutes(app, auth, series, mode);
  app.post('/api/v1/query', auth, (c) => {
    const body = jsonBody(c);
    if (!isRecord(body) || typeof body.sql !== 'string') return unprocessable(c, 'missing field `sql`');
    const params = Array.isArray(body.params) ? body.params : [];
    const result = sql.execute(body.sql, params, typeof body.database === 'string' ? body.database : undefined);
    return c.json(result.body, result.status as 200);
  });
  app.notFound((c) => c.json(NOT_FOUND, 404));
  const handle = await listen(app, faults);
  return {
    ...handle,
    mode,
    close: async () => {
      await handle.close();
      sql.close();
    },
    insert: (collection, items) => {
      docs.create(collection);
      return items.map((doc) => {
        const result = docs.insert(collection, doc);
        if ('error' in result) throw new Error(result.error);
        return result.id;
      });
    },
    createCollection: (name) => void docs.create(name),
    documents: (collection) =>
      (docs.find(collection, {})?.documents ?? []).map((d) => ({ _id: d.id, ...d.fields })),
    writePoint: (point) => series.write({ tags: {}, ...point }),
    sqlite: (database) => sql.db(database),
    expireSessions: () => sessions.clear(),
  };
}

function requireAuth(mode: AegisMode, validTokens: () => Set<string>): MiddlewareHandler<FakeEnv> {
  return async (c, next) => {
    if (mode === 'old') return next();
    const header = c.req.header('authorization');
    if (!header?.startsWith('Bearer ')) {
      return c.json({ error: 'Missing or invalid Authorization header',
        message: 'Provide a valid Bearer token in the Authorization header' }, 401);
    }
    if (!validTokens().has(header.slice(7))) {
      return c.json({ error: 'Invalid or expired session token',
        message: 'Please log in again to obtain a new token' }, 401);
    }
    return next();
  };
}

function login(c: FakeContext, users: AegisUser[], sessions: Set<string>): Response {
  const body = jsonBody(c);
  const user = isRecord(body) ? users.find((u) => u.username === body.username && u.password === body.password) : undefined;
  const base = { requires_mfa: false, requires_mfa_setup: false, mfa_setup_data: null };
  if (!user) return c.json({ token: null, user: null, ...base, error: 'Invalid username or password' }, 401);
  const token = randomUUID().replace(/-/g, '');
  sessions.add(token);
  return c.json({
    token,
    user: { id: `user-${user.username}`, username: user.username, email: user.email ?? `${user.username}@localhost`,
      role: user.role ?? 'admin', mfa_enabled: false, created_at: new Date(0).toISOString() },
    ...base,
    error: null,
  });
}

/** Axum answers a body that does not fit the request type with 422 and a text reason. */
function unprocessable(c: FakeContext, reason: string): Response {
  return c.text(`Failed to deserialize the JSON body into the target type: ${reason}`, 422);
}

type Auth = MiddlewareHandler<FakeEnv>;

interface PagingOptions {
  queryRoute: boolean;
  pageCap: number | undefined;
}

function documentRoutes(app: Hono<FakeEnv>, auth: Auth, docs: DocumentStore, mode: AegisMode, paging: PagingOptions): void {
  const base = '/api/v1/documents';
  // The page size a capped server actually serves: the smaller of what was asked and its cap.
  const capped = (limit: number | undefined) => (paging.pageCap === undefined ? limit : Math.min(limit ?? paging.pageCap, paging.pageCap));
  app.get(`${base}/collections`, auth, (c) =>
    c.json(docs.names().map((name) => ({ name, document_count: docs.count(name), index_count: 0 }))));
  app.post(`${base}/collections`, auth, (c) => {
    const body = jsonBody(c);
    if (!isRecord(body) || typeof body.name !== 'string') return unprocessable(c, 'missing field `name`');
    return docs.create(body.name)
      ? c.json({ success: true, collection: body.name }, 201)
      : c.json({ success: false, error: `Collection already exists: ${body.name}` }, 400);
  });
  app.post(`${base}/collections/:name/documents`, auth, (c) => {
    const body = jsonBody(c);
    if (!isRecord(body) || !('document' in body)) return unprocessable(c, 'missing field `document`');
    const id = typeof body.id === 'string' ? body.id : undefined;
    const result = docs.insert(param(c, 'name'), body.document, id);
    return 'error' in result
      ? c.json({ success: false, error: result.error }, 400)
      : c.json({ success: true, id: result.id }, 201);
  });
  const list = (c: FakeContext, withCursor: boolean): Response => {
    const limit = capped(parseCount(c.req.query('limit')));
    const cursorOffset = mode === 'new' && withCursor ? decodeCursor(c.req.query('cursor')) : undefined;
    const skip = cursorOffset ?? parseCount(c.req.query('skip')) ?? 0;
    return envelope(c, docs, param(c, 'name'), { skip, limit }, mode === 'new' && withCursor);
  };
  app.get(`${base}/collections/:name/documents`, auth, (c) => list(c, true));
  app.get(`${base}/collections/:name`, auth, (c) => envelope(c, docs, param(c, 'name'), { limit: capped(undefined) }, false));
  if (paging.queryRoute) app.post(`${base}/collections/:name/query`, auth, (c) => {
    const body = jsonBody(c);
    const q = isRecord(body) ? body : {};
    const skip = (mode === 'new' && typeof q.cursor === 'string' ? decodeCursor(q.cursor) : undefined) ?? asCount(q.skip) ?? 0;
    const sort = isRecord(q.sort) && typeof q.sort.field === 'string'
      ? { field: q.sort.field, ascending: q.sort.ascending !== false } : undefined;
    return envelope(c, docs, param(c, 'name'), { filter: q.filter, skip, limit: capped(asCount(q.limit)), sort }, mode === 'new');
  });
  singleDocumentRoutes(app, auth, docs, `${base}/collections/:name/documents/:id`);
}

function singleDocumentRoutes(app: Hono<FakeEnv>, auth: Auth, docs: DocumentStore, path: string): void {
  app.get(path, auth, (c) => {
    const doc = docs.get(param(c, 'name'), param(c, 'id'));
    return doc ? c.json(wrapDocument(param(c, 'name'), doc)) : c.json({ error: 'Document not found' }, 404);
  });
  const update = (c: FakeContext, merge: boolean): Response => {
    const body = jsonBody(c);
    if (!isRecord(body) || !('document' in body)) return unprocessable(c, 'missing field `document`');
    const [name, id] = [param(c, 'name'), param(c, 'id')];
    const doc = merge ? docs.patch(name, id, body.document) : docs.replace(name, id, body.document);
    if (!doc) return c.json({ success: false, error: merge ? 'Document not found' : `Document not found: ${id}` }, 404);
    return c.json({ success: true, document: wrapDocument(name, doc) });
  };
  app.put(path, auth, (c) => update(c, false));
  app.patch(path, auth, (c) => update(c, true));
  app.delete(path, auth, (c) => {
    const [name, id] = [param(c, 'name'), param(c, 'id')];
    const doc = docs.remove(name, id);
    return doc
      ? c.json({ success: true, deleted: wrapDocument(name, doc) })
      : c.json({ success: false, error: `Document not found: ${id}` }, 404);
  });
}

function envelope(
  c: FakeContext, docs: DocumentStore, name: string,
  query: { filter?: unknown; skip?: number; limit?: number; sort?: { field: string; ascending: boolean } },
  withCursor: boolean,
): Response {
  const started = Date.now();
  const result = docs.find(name, query);
  if (!result) return c.json({ documents: [], total_scanned: 0, execution_time_ms: 0 }, 404);
  const body: Record<string, unknown> = {
    documents: result.documents.map((d) => wrapDocument(name, d)),
    total_scanned: result.totalScanned,
    execution_time_ms: Date.now() - started,
  };
  // The server emits a cursor only after a full page; a short or unlimited page is the end.
  const full = query.limit !== undefined && query.limit > 0 && result.documents.length >= query.limit;
  if (withCursor && full) body.next_cursor = encodeCursor((query.skip ?? 0) + result.documents.length);
  return c.json(body);
}

function timeSeriesRoutes(app: Hono<FakeEnv>, auth: Auth, series: TimeSeriesStore, mode: AegisMode): void {
  const base = '/api/v1/timeseries';
  app.post(`${base}/metrics`, auth, (c) => {
    const body = jsonBody(c);
    if (!isRecord(body) || typeof body.name !== 'string') return unprocessable(c, 'missing field `name`');
    const registered = series.register(body as { name: string });
    return registered
      ? c.json({ success: true, metric: body.name }, 201)
      : c.json({ success: false, error: `Metric already exists: ${body.name}` }, 400);
  });
  app.get(`${base}/metrics`, auth, (c) => c.json(series.list()));
  app.post(`${base}/write`, auth, (c) => {
    const body = jsonBody(c);
    if (!isRecord(body) || typeof body.metric !== 'string') return unprocessable(c, 'missing field `metric`');
    if (typeof body.value !== 'number') return unprocessable(c, 'missing field `value`');
    const tags = isRecord(body.tags) ? (body.tags as Record<string, string>) : {};
    const timestamp = typeof body.timestamp === 'number' ? Math.trunc(body.timestamp) : undefined;
    series.write({ metric: body.metric, tags, value: body.value, timestamp });
    return c.json({ success: true });
  });
  app.post(`${base}/query`, auth, (c) => {
    const started = Date.now();
    const body = jsonBody(c);
    if (!isRecord(body) || typeof body.metric !== 'string') return unprocessable(c, 'missing field `metric`');
    const result = series.query({
      metric: body.metric,
      tags: isRecord(body.tags) ? (body.tags as Record<string, string>) : undefined,
      start: asNumber(body.start), end: asNumber(body.end), limit: asCount(body.limit),
    }, mode === 'new');
    return c.json({ metric: body.metric, series: result.series, points_returned: result.count,
      query_time_ms: Date.now() - started });
  });
}

function parseCount(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}
function asCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

export type { AegisValue };
