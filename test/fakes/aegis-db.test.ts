// Conformance of the Aegis-DB fake to docs/upstreams/aegis-db.md (quoted per assertion).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAegisDbFake } from './aegis-db.js';
import type { AegisDbFake } from './aegis-db.js';

const TOKEN = 'edge-token';
const auth = { authorization: `Bearer ${TOKEN}` };

async function call(fake: AegisDbFake, method: string, path: string, body?: unknown, headers: Record<string, string> = auth) {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are probed field by field
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
}

describe('aegis-db fake, new mode', () => {
  let fake: AegisDbFake;
  beforeAll(async () => {
    fake = await startAegisDbFake({ mode: 'new', token: TOKEN, users: [{ username: 'ops', password: 'pw' }] });
  });
  afterAll(() => fake.close());

  it('answers health and unknown routes', async () => {
    // "`GET /health` -> `{"status":"healthy","version":"..."}`"
    const health = await call(fake, 'GET', '/health', undefined, {});
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'healthy', version: expect.any(String) });
    // "Unknown route: `404 {"error":"Not found","code":"NOT_FOUND"}`"
    const unknown = await call(fake, 'GET', '/api/v1/nope', undefined, {});
    expect(unknown).toEqual({ status: 404, body: { error: 'Not found', code: 'NOT_FOUND' } });
  });

  it('requires a Bearer token on data routes with the spec 401 bodies', async () => {
    // "Failure: `401 {"error":"Missing or invalid Authorization header","message":"Provide a valid Bearer token ..."}`"
    const missing = await call(fake, 'GET', '/api/v1/documents/collections', undefined, {});
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      error: 'Missing or invalid Authorization header',
      message: 'Provide a valid Bearer token in the Authorization header',
    });
    // "or `401 {"error":"Invalid or expired session token", ...}`"
    const wrong = await call(fake, 'POST', '/api/v1/query', { sql: 'SELECT 1' }, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body?.error).toBe('Invalid or expired session token');
  });

  it('logs in and accepts the session token; rejects bad passwords with 401', async () => {
    // "Login: `POST /api/v1/auth/login {"username","password"}` -> `{token, user:{id,username,email,role,mfa_enabled,created_at}, requires_mfa, ...}`; 401 on failure."
    const ok = await call(fake, 'POST', '/api/v1/auth/login', { username: 'ops', password: 'pw' }, {});
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body!.user).sort()).toEqual(['created_at', 'email', 'id', 'mfa_enabled', 'role', 'username']);
    expect(ok.body).toMatchObject({ requires_mfa: false, requires_mfa_setup: false, mfa_setup_data: null, error: null });
    const listed = await call(fake, 'GET', '/api/v1/documents/collections', undefined, { authorization: `Bearer ${ok.body!.token}` });
    expect(listed.status).toBe(200);
    fake.expireSessions();
    const expired = await call(fake, 'GET', '/api/v1/documents/collections', undefined, { authorization: `Bearer ${ok.body!.token}` });
    expect(expired.status).toBe(401);
    const bad = await call(fake, 'POST', '/api/v1/auth/login', { username: 'ops', password: 'x' }, {});
    expect(bad.status).toBe(401);
  });

  it('creates and lists collections', async () => {
    // "`POST /collections {"name"}` -> `201 {"success":true,"collection":name}`; exists -> `400 {"success":false,"error":"Collection already exists: x"}`"
    expect(await call(fake, 'POST', '/api/v1/documents/collections', { name: 'c1' })).toEqual({ status: 201, body: { success: true, collection: 'c1' } });
    expect(await call(fake, 'POST', '/api/v1/documents/collections', { name: 'c1' }))
      .toEqual({ status: 400, body: { success: false, error: 'Collection already exists: c1' } });
    // "`GET /collections` -> `[{"name","document_count","index_count"}]`"
    const list = await call(fake, 'GET', '/api/v1/documents/collections');
    expect(list.body).toContainEqual({ name: 'c1', document_count: 0, index_count: 0 });
  });

  it('applies the insert id rules and never creates the collection', async () => {
    // "Id: top-level `id`, else `document._id`, else string `document.id`, else generated."
    const path = '/api/v1/documents/collections/c1/documents';
    expect((await call(fake, 'POST', path, { id: 'top', document: { _id: 'inner', v: 1 } })).body).toEqual({ success: true, id: 'top' });
    expect((await call(fake, 'POST', path, { document: { _id: 'under', v: 2 } })).body?.id).toBe('under');
    expect((await call(fake, 'POST', path, { document: { id: 'plain', v: 3 } })).body?.id).toBe('plain');
    const numeric = await call(fake, 'POST', path, { document: { id: 7, v: 4 } });
    expect(numeric.status).toBe(201);
    expect(numeric.body?.id).toMatch(/^[0-9a-f-]{36}$/);
    // "Missing collection -> `400 {"success":false,"error":"Collection not found: x"}` (insert does NOT create the collection)."
    expect(await call(fake, 'POST', '/api/v1/documents/collections/ghost/documents', { document: { v: 1 } }))
      .toEqual({ status: 400, body: { success: false, error: 'Collection not found: ghost' } });
    expect((await call(fake, 'GET', '/api/v1/documents/collections')).body).not.toContainEqual(expect.objectContaining({ name: 'ghost' }));
  });

  it('wraps documents and pages with cursors', async () => {
    fake.insert('metrics', Array.from({ length: 5 }, (_, i) => ({ _id: `m${i}`, timestamp: `2026-01-0${i + 1}T00:00:00Z`, supply_temp: 50 + i })));
    // "`{"documents":[{"id","collection","data":{"_id":..., ...fields}}],"total_scanned":n,"execution_time_ms":n}`"
    const first = await call(fake, 'GET', '/api/v1/documents/collections/metrics/documents?limit=2');
    expect(first.body?.documents[0]).toEqual({ id: 'm0', collection: 'metrics',
      data: { _id: 'm0', timestamp: '2026-01-01T00:00:00Z', supply_temp: 50 } });
    expect(first.body).toMatchObject({ total_scanned: 5, execution_time_ms: expect.any(Number) });
    // "newer servers add `"next_cursor"` (base64url of the offset; absent/null at the end)"
    expect(first.body?.next_cursor).toBe(Buffer.from('2').toString('base64url'));
    const seen: string[] = first.body!.documents.map((d: { id: string }) => d.id);
    let cursor: string | undefined = first.body!.next_cursor;
    while (cursor) {
      const page = await call(fake, 'GET', `/api/v1/documents/collections/metrics/documents?limit=2&cursor=${cursor}`);
      seen.push(...page.body!.documents.map((d: { id: string }) => d.id));
      cursor = page.body?.next_cursor ?? undefined;
    }
    expect(seen).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    // "`GET /collections/:name/documents?limit=&skip=`"
    const skipped = await call(fake, 'GET', '/api/v1/documents/collections/metrics/documents?limit=2&skip=4');
    expect(skipped.body?.documents.map((d: { id: string }) => d.id)).toEqual(['m4']);
    expect(skipped.body).not.toHaveProperty('next_cursor');
    // "and `GET /collections/:name`" answers the same envelope
    expect((await call(fake, 'GET', '/api/v1/documents/collections/metrics')).body?.documents).toHaveLength(5);
  });

  it('answers a missing collection with 404 and the empty envelope', async () => {
    // "Missing collection: 404, same envelope, empty list."
    const res = await call(fake, 'GET', '/api/v1/documents/collections/none/documents');
    expect(res).toEqual({ status: 404, body: { documents: [], total_scanned: 0, execution_time_ms: 0 } });
  });

  it('gets, replaces, merges and deletes one document', async () => {
    fake.insert('one', [{ _id: 'd1', a: 1, b: 2 }]);
    const path = '/api/v1/documents/collections/one/documents/d1';
    // "`GET /collections/:name/documents/:id` -> `{"id","collection","data"}`; 404 `{"error":"Document not found"}`."
    expect((await call(fake, 'GET', path)).body).toEqual({ id: 'd1', collection: 'one', data: { _id: 'd1', a: 1, b: 2 } });
    expect(await call(fake, 'GET', `${path}x`)).toEqual({ status: 404, body: { error: 'Document not found' } });
    // "`PUT` (replace) / `PATCH` (merge) ... body `{"document":{...}}` -> `{"success":true,"document":{id,collection,data}}`."
    expect((await call(fake, 'PUT', path, { document: { a: 10 } })).body?.document.data).toEqual({ _id: 'd1', a: 10 });
    expect((await call(fake, 'PATCH', path, { document: { c: 3 } })).body?.document.data).toEqual({ _id: 'd1', a: 10, c: 3 });
    // "`DELETE /collections/:name/documents/:id` -> `{"success":true,"deleted":{...}}`."
    const deleted = await call(fake, 'DELETE', path);
    expect(deleted.body).toEqual({ success: true, deleted: { id: 'd1', collection: 'one', data: { _id: 'd1', a: 10, c: 3 } } });
    expect((await call(fake, 'GET', path)).status).toBe(404);
  });

  it('filters with every documented operator', async () => {
    fake.insert('q', [
      { _id: 'a', n: 1, s: 'alpha', tag: 'x' },
      { _id: 'b', n: 2.5, s: 'beta', tag: 'y' },
      { _id: 'c', n: 3, s: 'gamma' },
    ]);
    // "Filter operators: `$eq $ne $gt $gte $lt $lte $in $nin $exists $regex $contains $startsWith $endsWith $and $or`."
    const cases: [Record<string, unknown>, string[]][] = [
      [{ n: 1 }, ['a']], [{ n: { $eq: 3 } }, ['c']], [{ tag: { $ne: 'x' } }, ['b', 'c']],
      [{ n: { $gt: 1 } }, ['b', 'c']], [{ n: { $gte: 2.5 } }, ['b', 'c']], [{ n: { $lt: 3 } }, ['a', 'b']],
      [{ n: { $lte: 1 } }, ['a']], [{ tag: { $in: ['x', 'y'] } }, ['a', 'b']], [{ tag: { $nin: ['x'] } }, ['b', 'c']],
      [{ tag: { $exists: false } }, ['c']], [{ s: { $regex: '^[ab]' } }, ['a', 'b']], [{ s: { $contains: 'mm' } }, ['c']],
      [{ s: { $startsWith: 'be' } }, ['b']], [{ s: { $endsWith: 'ha' } }, ['a']],
      [{ n: { $gt: 1, $lt: 3 } }, ['b']],
      [{ $and: [{ n: { $gt: 1 } }, { tag: 'y' }] }, ['b']], [{ $or: [{ n: 1 }, { s: 'gamma' }] }, ['a', 'c']],
    ];
    for (const [filter, ids] of cases) {
      const res = await call(fake, 'POST', '/api/v1/documents/collections/q/query', { filter });
      expect(res.body?.documents.map((d: { id: string }) => d.id), JSON.stringify(filter)).toEqual(ids);
    }
  });

  it('sorts, limits, skips and continues a query with its cursor', async () => {
    // "`POST /collections/:name/query {"filter":{...},"limit","skip","sort":{"field","ascending":true},"cursor"}` -> same envelope"
    const body = { filter: {}, sort: { field: 'n', ascending: false }, limit: 2 };
    const first = await call(fake, 'POST', '/api/v1/documents/collections/q/query', body);
    expect(first.body?.documents.map((d: { id: string }) => d.id)).toEqual(['c', 'b']);
    const next = await call(fake, 'POST', '/api/v1/documents/collections/q/query', { ...body, cursor: first.body?.next_cursor });
    expect(next.body?.documents.map((d: { id: string }) => d.id)).toEqual(['a']);
    expect(next.body?.next_cursor ?? null).toBeNull();
    const skipped = await call(fake, 'POST', '/api/v1/documents/collections/q/query', { ...body, skip: 1, limit: 1 });
    expect(skipped.body?.documents.map((d: { id: string }) => d.id)).toEqual(['b']);
  });

  it('honours time-series start/end in seconds or milliseconds', async () => {
    // "`POST /metrics {"name","metric_type":"gauge|counter|histogram|summary","description","unit"}` -> `201 {"success":true,"metric":name}`"
    expect(await call(fake, 'POST', '/api/v1/timeseries/metrics', { name: 'supply_temp', metric_type: 'gauge', unit: 'F' }))
      .toEqual({ status: 201, body: { success: true, metric: 'supply_temp' } });
    // "`GET /metrics` -> `[{"name","metric_type","description","unit"}]`"
    expect((await call(fake, 'GET', '/api/v1/timeseries/metrics')).body)
      .toEqual([{ name: 'supply_temp', metric_type: 'gauge', description: null, unit: 'F' }]);
    const now = Math.floor(Date.now() / 1000);
    // "`POST /write {"metric","tags":{str:str},"value":f64,"timestamp":i64 epoch seconds (optional)}` -> `{"success":true}`"
    for (const [offset, ahu] of [[3600, 'ahu1'], [1800, 'ahu1'], [600, 'ahu2']] as const) {
      expect((await call(fake, 'POST', '/api/v1/timeseries/write', { metric: 'supply_temp', tags: { ahu }, value: offset, timestamp: now - offset })).body)
        .toEqual({ success: true });
    }
    // "newer ones honour them in seconds or milliseconds"
    for (const scale of [1, 1000]) {
      const res = await call(fake, 'POST', '/api/v1/timeseries/query', { metric: 'supply_temp', start: (now - 2000) * scale, end: now * scale });
      // "`{"metric","series":[{"tags":{},"points":[{"timestamp":secs,"value"}]}],"points_returned","query_time_ms"}`"
      expect(res.body).toMatchObject({ metric: 'supply_temp', points_returned: 2, query_time_ms: expect.any(Number) });
      expect(res.body?.series).toEqual([
        { tags: { ahu: 'ahu1' }, points: [{ timestamp: now - 1800, value: 1800 }] },
        { tags: { ahu: 'ahu2' }, points: [{ timestamp: now - 600, value: 600 }] },
      ]);
    }
  });

  it('executes SQL with the documented envelope and error statuses', async () => {
    fake.sqlite().exec('CREATE TABLE readings (ts TEXT, temp REAL); INSERT INTO readings VALUES (\'t1\', 55.5), (\'t2\', 56.5);');
    // "`POST /api/v1/query {"sql","params":[],"database"?}` -> `{"success":true,"data":{"columns":[...],"rows":[[...]],"rows_affected":n},"execution_time_ms":n}`"
    const res = await call(fake, 'POST', '/api/v1/query', { sql: 'SELECT ts, temp FROM readings WHERE temp > $1', params: [56] });
    expect(res.body).toEqual({ success: true, data: { columns: ['ts', 'temp'], rows: [['t2', 56.5]], rows_affected: 1 }, execution_time_ms: expect.any(Number) });
    // "400 parse/plan errors, 500 execution errors: `{"success":false,"error":..., "execution_time_ms"}`."
    const parse = await call(fake, 'POST', '/api/v1/query', { sql: 'SELEKT nope' });
    expect(parse.status).toBe(400);
    expect(parse.body).toMatchObject({ success: false, error: expect.any(String), execution_time_ms: expect.any(Number) });
    expect((await call(fake, 'POST', '/api/v1/query', { sql: 'SELECT * FROM missing' })).status).toBe(400);
  });
});

describe('aegis-db fake, old mode', () => {
  let fake: AegisDbFake;
  beforeAll(async () => {
    fake = await startAegisDbFake({ mode: 'old' });
  });
  afterAll(() => fake.close());

  it('leaves data routes open and pages without cursors', async () => {
    // "older servers leave data routes open"
    fake.insert('hardware_metrics', [{ _id: 'a' }, { _id: 'b' }, { _id: 'c' }]);
    const res = await call(fake, 'GET', '/api/v1/documents/collections/hardware_metrics/documents?limit=2&cursor=MQ', undefined, {});
    expect(res.status).toBe(200);
    // cursor is a newer-server parameter: the older one ignores it and sends no next_cursor
    expect(res.body?.documents.map((d: { id: string }) => d.id)).toEqual(['a', 'b']);
    expect(res.body).not.toHaveProperty('next_cursor');
  });

  it('ignores time-series start/end and looks back 24 h', async () => {
    // "Older servers ignore start/end (24 h look-back)"
    const now = Math.floor(Date.now() / 1000);
    fake.writePoint({ metric: 'm', value: 1, timestamp: now - 3 * 86400 });
    fake.writePoint({ metric: 'm', value: 2, timestamp: now - 3600 });
    const res = await call(fake, 'POST', '/api/v1/timeseries/query', { metric: 'm', start: now - 4 * 86400, end: now - 2 * 86400 }, {});
    expect(res.body?.series).toEqual([{ tags: {}, points: [{ timestamp: now - 3600, value: 2 }] }]);
  });
});

describe('aegis-db fake, controls', () => {
  let fake: AegisDbFake;
  beforeAll(async () => {
    fake = await startAegisDbFake({ mode: 'old', logicalOperators: 'ignore' });
  });
  afterAll(() => fake.close());

  it('can reproduce the public server dropping $and/$or', async () => {
    fake.insert('q', [{ _id: 'a', n: 1 }, { _id: 'b', n: 2 }]);
    const res = await call(fake, 'POST', '/api/v1/documents/collections/q/query', { filter: { $or: [{ n: 1 }] } }, {});
    expect(res.body?.documents).toHaveLength(2);
  });

  it('injects failures, resets, hangs and latency, and logs requests', async () => {
    fake.clearRequests();
    fake.failNext(1, 503);
    expect(await call(fake, 'GET', '/health', undefined, {})).toEqual({ status: 503, body: { error: 'Service unavailable', code: 'SERVICE_UNAVAILABLE' } });
    expect((await call(fake, 'GET', '/health', undefined, {})).status).toBe(200);
    fake.dropNext(1, 'reset');
    await expect(fetch(`${fake.url}/health`)).rejects.toThrow();
    fake.dropNext(1, 'hang');
    await expect(fetch(`${fake.url}/health`, { signal: AbortSignal.timeout(200) })).rejects.toThrow(/abort|timeout/i);
    fake.setLatency(150);
    const started = Date.now();
    await call(fake, 'GET', '/health', undefined, {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    fake.setLatency(0);
    expect(fake.requests.map((r) => r.path)).toEqual(['/health', '/health', '/health', '/health', '/health']);
  });
});

describe('aegis-db fake, a server that caps its pages (pageCap)', () => {
  const ids = (page: { body?: Record<string, unknown> }) => (page.body!.documents as { id: string }[]).map((d) => d.id);
  const seed = (fake: AegisDbFake) =>
    fake.insert('metrics', Array.from({ length: 7 }, (_, i) => ({ _id: `m${i}`, timestamp: `2026-01-0${i + 1}T00:00:00Z` })));

  it('new mode: returns at most the cap whatever limit asks, with a cursor after each full capped page', async () => {
    const fake = await startAegisDbFake({ mode: 'new', token: TOKEN, pageCap: 3 });
    try {
      seed(fake);
      // "a server may return fewer documents than asked for, whatever `limit` said"
      const listed = await call(fake, 'GET', '/api/v1/documents/collections/metrics/documents?limit=100');
      expect(ids(listed)).toEqual(['m0', 'm1', 'm2']);
      // "Newer servers add `next_cursor` (base64url of the next offset; missing or null at the end)"
      expect(listed.body?.next_cursor).toBe(Buffer.from('3').toString('base64url'));
      const queried = await call(fake, 'POST', '/api/v1/documents/collections/metrics/query', { limit: 100, cursor: listed.body!.next_cursor });
      expect(ids(queried)).toEqual(['m3', 'm4', 'm5']);
      const last = await call(fake, 'POST', '/api/v1/documents/collections/metrics/query', { limit: 100, cursor: queried.body!.next_cursor });
      expect(ids(last)).toEqual(['m6']);
      expect(last.body).not.toHaveProperty('next_cursor');
      // An unlimited listing is capped too.
      expect(ids(await call(fake, 'GET', '/api/v1/documents/collections/metrics'))).toHaveLength(3);
      // A limit below the cap is honoured as asked.
      expect(ids(await call(fake, 'GET', '/api/v1/documents/collections/metrics/documents?limit=2'))).toEqual(['m0', 'm1']);
    } finally {
      await fake.close();
    }
  });

  it('old mode: capped pages and no cursor; `skip` by the documents received reaches the rest', async () => {
    const fake = await startAegisDbFake({ mode: 'old', pageCap: 3 });
    try {
      seed(fake);
      // "without cursors, advance `skip` by the number of documents received and stop only at an empty page"
      const seen: string[] = [];
      for (;;) {
        const page = await call(fake, 'POST', '/api/v1/documents/collections/metrics/query', { limit: 100, skip: seen.length }, {});
        expect(page.body).not.toHaveProperty('next_cursor');
        if (ids(page).length === 0) break;
        expect(ids(page).length).toBeLessThanOrEqual(3);
        seen.push(...ids(page));
      }
      expect(seen).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6']);
    } finally {
      await fake.close();
    }
  });
});
