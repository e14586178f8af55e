import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, httpRequest } from './http-client.js';

let server: http.Server;
let base: string;
const seen: { method?: string; auth?: string; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method, auth: req.headers.authorization, body });
      if (req.url === '/slow') return; // never answers
      if (req.url === '/big') return res.end('x'.repeat(10_000));
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ documents: [{ id: 1 }], path: req.url }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('httpRequest', () => {
  it('GETs and POSTs JSON with headers, and reports the status', async () => {
    const got = await httpRequest(`${base}/a?limit=2`, { headers: { authorization: 'Bearer t' }, timeoutMs: 2000 });
    expect(got).toMatchObject({ status: 200, ok: true });
    expect(await got.json()).toEqual({ documents: [{ id: 1 }], path: '/a?limit=2' });
    const posted = await httpRequest(`${base}/q`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"limit":1}', timeoutMs: 2000 });
    expect(posted.ok).toBe(true);
    expect(seen.at(-1)).toEqual({ method: 'POST', auth: undefined, body: '{"limit":1}' });
    expect(seen.at(-2)?.auth).toBe('Bearer t');
    const missing = await httpRequest(`${base}/missing`, { timeoutMs: 2000 });
    expect(missing).toMatchObject({ status: 404, ok: false });
  });

  it('fails on a timeout, an oversized answer, a refused connection and a non-HTTP URL', async () => {
    await expect(httpRequest(`${base}/slow`, { timeoutMs: 200 })).rejects.toThrow(/timed out after 200 ms/);
    await expect(httpRequest(`${base}/big`, { timeoutMs: 2000, maxBytes: 1000 })).rejects.toThrow(/larger than 1000 bytes/);
    await expect(httpRequest('http://127.0.0.1:1/', { timeoutMs: 2000 })).rejects.toThrow(/ECONNREFUSED/);
    await expect(httpRequest('ftp://127.0.0.1/', { timeoutMs: 2000 })).rejects.toBeInstanceOf(HttpError);
  });
});
