import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import type { HubEnv } from './context.js';
import { mountConsole } from './console.js';

function appWith(dir: string) {
  const app = new Hono<HubEnv>();
  app.get('/api/v1/known', (c) => c.json({ ok: true }));
  mountConsole(app, { dir });
  app.notFound((c) => c.json({ code: 'NOT_FOUND' }, 404));
  return app;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'console-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const built = path.join(tmp, 'dist');
fs.mkdirSync(path.join(built, 'assets'), { recursive: true });
fs.writeFileSync(path.join(built, 'index.html'), '<!doctype html><title>console</title>');
fs.writeFileSync(path.join(built, 'assets', 'index-abc123.js'), 'console.log(1)');
fs.writeFileSync(path.join(built, '.build-hash'), 'x');

describe('console static serving', () => {
  const app = appWith(built);

  it('serves index.html at / and for page paths, never cached', async () => {
    for (const p of ['/', '/datasets', '/datasets/ds_1', '/training/tr_1?x=1']) {
      const res = await app.request(p);
      expect(res.status, p).toBe(200);
      expect(await res.text()).toContain('<title>console</title>');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    }
  });

  it('serves hashed assets with a year of immutable caching', async () => {
    const res = await app.request('/assets/index-abc123.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('javascript');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe('console.log(1)');
  });

  it('never falls back to the page for API, WebSocket, health, MQTT, missing assets or dot files', async () => {
    for (const p of ['/api/v1/nothing', '/api', '/ws/training/x', '/health', '/mqtt', '/assets/gone-123.js', '/robots.txt', '/.build-hash']) {
      const res = await app.request(p);
      expect(res.status, p).toBe(404);
      expect(await res.json()).toEqual({ code: 'NOT_FOUND' });
    }
    expect((await app.request('/api/v1/known')).status).toBe(200);
  });

  it('answers a page telling how to build the console when it is not built', async () => {
    const res = await appWith(path.join(tmp, 'missing')).request('/datasets');
    expect(res.status).toBe(503);
    const html = await res.text();
    expect(html).toContain('npm run build');
    expect(html).toContain('npm start');
  });
});
