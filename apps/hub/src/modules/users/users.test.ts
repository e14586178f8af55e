import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../../test/harness.js';

type Json = Record<string, unknown>;

describe('admin user management', () => {
  let t: TestHub;
  let admin: string;

  beforeAll(async () => {
    t = await createTestHub();
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  it('creates a verified user on the Free tier who can log in at once', async () => {
    const res = await t.request('POST', '/api/v1/admin/users', { token: admin, json: { username: 'newuser', email: 'User@Example.com', password: 'secure_password', role: 'operator' } });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ username: 'newuser', email: 'user@example.com', role: 'operator', email_verified: true, tier: 'free', mfa_enabled: false });
    expect(await t.login('newuser', 'secure_password')).toBeTruthy();
    const dup = await t.request('POST', '/api/v1/admin/users', { token: admin, json: { username: 'newuser', email: 'other@example.com', password: 'secure_password', role: 'viewer' } });
    expect(dup.status).toBe(409);
  });

  it('lists users with tier and verification status, and shows one with preferences', async () => {
    const list = (await (await t.request('GET', '/api/v1/admin/users', { token: admin })).json()) as Json[];
    expect(list.map((u) => u.username)).toEqual(expect.arrayContaining(['admin', 'newuser']));
    expect(list[0]).toHaveProperty('tier');
    const one = await t.request('GET', '/api/v1/admin/users/newuser', { token: admin });
    expect(await one.json()).toMatchObject({ username: 'newuser', mfa_enabled: false, tier: 'free', preferences: { theme: 'nexusedge-dark' } });
    expect((await t.request('GET', '/api/v1/admin/users/ghost', { token: admin })).status).toBe(404);
  });

  it('updates role and password, revoking the user\'s old tokens', async () => {
    const { token, username } = await t.userWithRole('viewer');
    const res = await t.request('PUT', `/api/v1/admin/users/${username}`, { token: admin, json: { role: 'operator', password: 'brand-new-pass' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).role).toBe('operator');
    expect((await t.request('GET', '/api/v1/auth/me', { token })).status).toBe(401);
    expect(await t.login(username, 'brand-new-pass')).toBeTruthy();
    const bad = await t.request('PUT', `/api/v1/admin/users/${username}`, { token: admin, json: { role: 'superuser' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error).toContain("'role'");
    expect((await t.request('PUT', `/api/v1/admin/users/${username}`, { token: admin, json: {} })).status).toBe(400);
  });

  it('refuses operators and viewers with 403 on every admin route', async () => {
    for (const role of ['operator', 'viewer'] as const) {
      const { token } = await t.userWithRole(role);
      const calls: [string, string, unknown?][] = [
        ['GET', '/api/v1/admin/users'], ['POST', '/api/v1/admin/users', { username: 'zed', email: 'z@example.com', password: 'zzzzzzzz', role: 'admin' }],
        ['GET', '/api/v1/admin/users/admin'], ['PUT', '/api/v1/admin/users/admin', { role: 'viewer' }], ['DELETE', '/api/v1/admin/users/admin'],
      ];
      for (const [method, url, json] of calls) {
        const res = await t.request(method, url, { token, ...(json ? { json } : {}) });
        expect(res.status, `${role} ${method} ${url}`).toBe(403);
        expect(((await res.json()) as Json).code).toBe('FORBIDDEN');
      }
    }
  });

  it('protects the last admin and the acting admin', async () => {
    expect((await t.request('PUT', '/api/v1/admin/users/admin', { token: admin, json: { role: 'viewer' } })).status).toBe(409);
    expect((await t.request('DELETE', '/api/v1/admin/users/admin', { token: admin })).status).toBe(409);
  });

  it('deletes a user and cascades sessions, subscription, preferences, MFA and codes', async () => {
    const { token, username, id } = await t.userWithRole('operator');
    await t.request('PUT', '/api/v1/profile/preferences', { token, json: { theme: 'nexusedge-light' } });
    await t.request('POST', '/api/v1/mfa/setup', { token });
    const count = async (table: string) => (await t.hub.store.rows<{ n: number }>(sql`select count(*) n from ${sql.identifier(table)} where user_id = ${id}`))[0]!.n;
    expect(await count('sessions')).toBeGreaterThan(0);
    expect(await count('subscriptions')).toBe(1);
    expect(await count('user_preferences')).toBe(1);
    const res = await t.request('DELETE', `/api/v1/admin/users/${username}`, { token: admin });
    expect(res.status).toBe(204);
    for (const table of ['sessions', 'subscriptions', 'user_preferences', 'email_verifications', 'password_resets']) expect(await count(table)).toBe(0);
    expect((await t.request('GET', '/api/v1/auth/me', { token })).status).toBe(401);
    expect((await t.request('DELETE', `/api/v1/admin/users/${username}`, { token: admin })).status).toBe(404);
  });
});
