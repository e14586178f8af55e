import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, testClock, type TestClock, type TestHub } from '../../test/harness.js';

// Resolved tokens are cached for a few seconds (session-service.ts). Each case below uses a token right before
// the change, so the token sits in the cache, and must be refused (or carry its new rights) right after.
let t: TestHub;
let clock: TestClock;
let admin: string;

beforeAll(async () => {
  clock = testClock();
  t = await createTestHub({}, { clock });
  admin = await t.adminToken();
});
afterAll(() => t.close());

const list = (token: string) => t.request('GET', '/api/v1/datasets', { token });
const createTarget = (token: string, name: string) => t.request('POST', '/api/v1/deployments/targets', { token, json: { name, ip: '10.0.0.9' } });

describe('token cache', () => {
  it('a logged-out token is refused at once', async () => {
    const { token } = await t.userWithRole('viewer');
    expect((await list(token)).status).toBe(200);
    expect((await t.request('POST', '/api/v1/auth/logout', { token })).status).toBe(200);
    expect((await list(token)).status).toBe(401);
  });

  it('a demoted user is refused at once: the old token is revoked, a new one carries the new role', async () => {
    const op = await t.userWithRole('operator');
    expect((await list(op.token)).status).toBe(200);
    expect((await t.request('PUT', `/api/v1/admin/users/${op.username}`, { token: admin, json: { role: 'viewer' } })).status).toBe(200);
    expect((await list(op.token)).status).toBe(401);
    const again = await t.login(op.username, `${op.username}-password`);
    expect((await list(again)).status).toBe(200);
    expect((await createTarget(again, 'AHU-9')).status).toBe(403);
  });

  it('a password set by an admin, and a password change, refuse the old tokens at once', async () => {
    const u = await t.userWithRole('operator');
    const other = await t.login(u.username, `${u.username}-password`);
    expect((await list(u.token)).status).toBe(200);
    expect((await list(other)).status).toBe(200);
    const change = await t.request('PUT', '/api/v1/auth/change-password', { token: u.token, json: { current_password: `${u.username}-password`, new_password: 'a-new-password-2' } });
    expect(change.status).toBe(200);
    expect((await list(other)).status).toBe(401);
    expect((await list(u.token)).status).toBe(200);
    expect((await t.request('PUT', `/api/v1/admin/users/${u.username}`, { token: admin, json: { password: 'a-third-password-3' } })).status).toBe(200);
    expect((await list(u.token)).status).toBe(401);
  });

  it('a deleted user\'s token is refused at once', async () => {
    const u = await t.userWithRole('viewer');
    expect((await list(u.token)).status).toBe(200);
    expect((await t.request('DELETE', `/api/v1/admin/users/${u.username}`, { token: admin })).status).toBe(204);
    expect((await list(u.token)).status).toBe(401);
  });

  it('a cached token past its session\'s expiry is refused', async () => {
    const u = await t.userWithRole('viewer');
    expect((await list(u.token)).status).toBe(200);
    clock.advance(t.hub.config.sessionTtlMs + 1);
    expect((await list(u.token)).status).toBe(401);
  });
});
