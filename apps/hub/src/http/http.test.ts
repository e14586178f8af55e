import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../test/harness.js';
import { PERMISSIONS } from './permissions.js';

type Json = Record<string, unknown>;

describe('HTTP surface', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await createTestHub({ RATE_LIMIT_LOGIN_PER_MIN: '5', RATE_LIMIT_API_PER_MIN: '40', TRUST_PROXY: 'true', BODY_LIMIT_BYTES: '2048' });
  });
  afterAll(() => t.close());

  it('answers unknown routes with 404 in the error format', async () => {
    const res = await t.request('GET', '/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'Not found', code: 'NOT_FOUND', details: 'No route for GET /api/v1/nothing-here' });
  });

  it('answers malformed JSON with 400, never a stack trace', async () => {
    const res = await t.request('POST', '/api/v1/auth/login', { body: '{"username":', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Json;
    expect(body.code).toBe('INVALID_JSON');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('refuses bodies over the limit with 413 naming it', async () => {
    const res = await t.request('POST', '/api/v1/auth/signup', { json: { username: 'big', email: 'b@example.com', password: 'x'.repeat(5000) } });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: 'The limit is 2048 bytes' });
  });

  it('rate-limits login per IP with 429 and Retry-After', async () => {
    const ip = { 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.request('POST', '/api/v1/auth/login', { json: { username: 'admin', password: 'wrong-pass' }, headers: ip });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(((await res.json()) as Json).code).toBe('RATE_LIMITED');
      }
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const other = await t.request('POST', '/api/v1/auth/login', { json: { username: 'admin', password: 'admin-password-1' }, headers: { 'x-forwarded-for': '203.0.113.8' } });
    expect(other.status).toBe(200);
  });

  it('rate-limits the API per user', async () => {
    const { token } = await t.userWithRole('viewer');
    let limited: Response | undefined;
    for (let i = 0; i < 45 && !limited; i++) {
      const res = await t.request('GET', '/api/v1/auth/me', { token });
      if (res.status === 429) limited = res;
    }
    expect(limited?.headers.get('retry-after')).toBeTruthy();
  });

  it('gives every route a permission from the one table and documents it', async () => {
    const doc = (await (await t.request('GET', '/api/v1/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, Json>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const route of t.hub.routes) {
      expect(Object.keys(PERMISSIONS)).toContain(route.permission);
      const op = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(Object.keys(op!.responses as Json).length).toBeGreaterThan(0);
    }
    const contract = ['/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/auth/session', '/api/v1/auth/signup', '/api/v1/auth/verify-email',
      '/api/v1/auth/resend-verification', '/api/v1/auth/forgot-password', '/api/v1/auth/reset-password', '/api/v1/auth/me',
      '/api/v1/auth/change-password', '/api/v1/mfa/setup', '/api/v1/mfa/verify', '/api/v1/mfa/disable', '/api/v1/auth/mfa/validate',
      '/api/v1/profile', '/api/v1/profile/preferences', '/api/v1/admin/users', '/api/v1/admin/users/{username}', '/health', '/api/v1/system/metrics'];
    for (const path of contract) expect(doc.paths, path).toHaveProperty([path]);
    const login = doc.paths['/api/v1/auth/login']!.post as { requestBody: { content: Record<string, { schema: { required: string[] } }> } };
    expect(login.requestBody.content['application/json']!.schema.required).toEqual(['username', 'password']);
  });

  it('serves a readable API reference page', async () => {
    const res = await t.request('GET', '/api/docs');
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('/api/v1/auth/mfa/validate');
    expect(html).toContain('Admin User Management');
  });
});
