import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../test/harness.js';
import { ahuCsv, uploadCsv } from '../test/upload.js';

type Json = Record<string, unknown>;

// Names people choose are shown to other people (console, mails, push, CSV): NUL, control characters and
// bidi overrides in them are refused with a 400 naming the field, by the protocol schemas every route parses
// with. Headers past a sane size are refused in the contract's error body.
const UNSAFE = ['AHU\u0000', 'AHU\n2', 'AHU\u001b[31m', 'AHU\u007f', 'AHU\u0085', '\u202Ecod.exe', 'a\u2066b\u2069', 'AHU\t1'];

let t: TestHub;
let admin: string;
let targetId: string;

beforeAll(async () => {
  t = await createTestHub();
  admin = await t.adminToken();
  const res = await t.request('POST', '/api/v1/deployments/targets', { token: admin, json: { name: 'Kältemaschine 2 – Nord' } });
  expect(res.status).toBe(201);
  targetId = ((await res.json()) as Json).id as string;
});
afterAll(() => t.close());

async function expectRefused(res: Response, field: string, what: string) {
  expect(res.status, what).toBe(400);
  const body = (await res.json()) as Json;
  expect(body.code, what).toBe('VALIDATION_ERROR');
  expect(String(body.details), what).toContain(`'${field}' must not contain control or bidirectional-override characters`);
}

describe('user-chosen names', () => {
  const json = (method: string, url: string, body: Json) => () => t.request(method, url, { token: admin, json: body });
  const routes: [string, string, (v: string) => () => Promise<Response>][] = [
    ['target', 'name', (v) => json('POST', '/api/v1/deployments/targets', { name: v })],
    ['target rename', 'name', (v) => json('PATCH', `/api/v1/deployments/targets/${targetId}`, { name: v })],
    ['deployment', 'target_name', (v) => json('POST', '/api/v1/deployments', { model_id: 'mdl_x', target_name: v })],
    ['training run', 'name', (v) => json('POST', '/api/v1/training/start', { dataset_id: 'ds_x', architecture: 'lstm_autoencoder', name: v })],
    ['connector dataset', 'name', (v) => json('POST', '/api/v1/datasets/connect', { name: v, equipment_type: 'air_handler', source_type: 'sqlite', connection_string: 'a.db', query: 'select 1' })],
    ['connector location', 'location', (v) => json('POST', '/api/v1/datasets/connect', { name: 'ok', location: v, equipment_type: 'air_handler', source_type: 'sqlite', connection_string: 'a.db', query: 'select 1' })],
    ['push device', 'device_name', (v) => json('POST', '/api/v1/push/register', { token: 'ExponentPushToken[abcdefghijklmnop]', platform: 'ios', device_name: v })],
    ['uploaded dataset', 'name', (v) => () => uploadCsv(t, admin, ahuCsv(8), { name: v })],
  ];

  for (const [what, field, send] of routes) {
    it(`refuses control and bidi-override characters in the ${what} ${field}`, async () => {
      for (const value of UNSAFE) await expectRefused(await send(value)(), field, `${what} ${JSON.stringify(value)}`);
    });
  }

  it('keeps accents, dashes and inner spaces, and stores nothing refused', async () => {
    const renamed = await t.request('PATCH', `/api/v1/deployments/targets/${targetId}`, { token: admin, json: { name: '  Chiller «Süd» 3 ' } });
    expect(await renamed.json()).toMatchObject({ name: 'Chiller «Süd» 3' });
    const names = ((await (await t.request('GET', '/api/v1/deployments/targets', { token: admin })).json()) as Json[]).map((x) => x.name);
    expect(names).toEqual(['Chiller «Süd» 3']);
    expect(await (await t.request('GET', '/api/v1/datasets', { token: admin })).json()).toEqual([]);
  });

  it('refuses such characters in user names too (the username rule), naming the field', async () => {
    const res = await t.request('POST', '/api/v1/admin/users', { token: admin, json: { username: 'eve\u202Enimda', email: 'eve@example.com', password: 'long-enough-1', role: 'viewer' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error).toContain("'username'");
  });
});

describe('oversized headers', () => {
  it('refuses an Authorization header over 4 KB with 431 in the contract format, before any lookup', async () => {
    const res = await t.request('GET', '/api/v1/datasets', { headers: { authorization: `Bearer ${'a'.repeat(5000)}` } });
    expect(res.status).toBe(431);
    expect(await res.json()).toMatchObject({ code: 'HEADERS_TOO_LARGE', error: 'Authorization header too large' });
    const fine = await t.request('GET', '/api/v1/datasets', { headers: { authorization: `Bearer ${'a'.repeat(3000)}` } });
    expect(fine.status).toBe(401);
  });

  it('answers Node\'s own refusal of headers over 16 KB in the contract format on a real socket', async () => {
    const port = await t.hub.start();
    const ask = (headers: Record<string, string>) => new Promise<{ status: number; body: string; type: string | undefined }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: '/health', headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => void (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, type: res.headers['content-type'] }));
      });
      req.on('error', reject);
    });
    const huge = await ask({ 'x-padding': 'p'.repeat(20_000) });
    expect(huge.status).toBe(431);
    expect(huge.type).toContain('application/json');
    expect(JSON.parse(huge.body)).toMatchObject({ code: 'HEADERS_TOO_LARGE', details: expect.stringContaining('16384') });
    const token = await ask({ authorization: `Bearer ${'b'.repeat(6000)}` });
    expect(token.status).toBe(431);
    expect((await ask({})).status).toBe(200);
  });
});
