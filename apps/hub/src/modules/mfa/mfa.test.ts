import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestHub, testClock, type TestHub } from '../../test/harness.js';

type Json = Record<string, unknown>;

describe('MFA routes', () => {
  let t: TestHub;
  const clock = testClock(Date.UTC(2026, 10, 27, 12, 0, 0));
  const codeAt = (secret: string, offsetSteps = 0) => generate({ secret, epoch: Math.floor(clock.now().getTime() / 1000) + offsetSteps * 30 });

  beforeAll(async () => {
    t = await createTestHub({}, { clock });
  });
  afterAll(() => t.close());

  it('sets up, enables, gates login on a TOTP code, refuses replays and disables', async () => {
    const { token, username } = await t.userWithRole('operator', 'mallory');
    const setup = await t.request('POST', '/api/v1/mfa/setup', { token });
    expect(setup.status).toBe(200);
    const { secret, provisioning_uri, qr_code } = (await setup.json()) as { secret: string; provisioning_uri: string; qr_code: string };
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    expect(provisioning_uri).toMatch(/^otpauth:\/\/totp\/Prometheus:mallory%40example\.com\?.*secret=/);
    expect(qr_code.startsWith('data:image/png;base64,')).toBe(true);
    expect(Buffer.from(qr_code.split(',')[1]!, 'base64').subarray(1, 4).toString()).toBe('PNG');

    expect((await t.request('POST', '/api/v1/mfa/verify', { token, json: { code: '000000' } })).status).toBe(400);
    const verify = await t.request('POST', '/api/v1/mfa/verify', { token, json: { code: await codeAt(secret) } });
    expect(await verify.json()).toEqual({ message: 'MFA enabled successfully' });
    expect((await t.request('POST', '/api/v1/mfa/setup', { token })).status).toBe(409);

    clock.advance(30_000);
    const login = await t.request('POST', '/api/v1/auth/login', { json: { username, password: `${username}-password` } });
    const body = (await login.json()) as Json;
    expect(body.mfa_required).toBe(true);
    const pending = String(body.token);
    const blocked = await t.request('GET', '/api/v1/auth/me', { token: pending });
    expect(blocked.status).toBe(401);
    expect(((await blocked.json()) as Json).code).toBe('MFA_REQUIRED');

    const code = await codeAt(secret);
    const validated = await t.request('POST', '/api/v1/auth/mfa/validate', { json: { username, code } });
    expect(validated.status).toBe(200);
    const session = ((await validated.json()) as { token: string }).token;
    expect((await t.request('GET', '/api/v1/auth/me', { token: session })).status).toBe(200);
    expect((await t.request('GET', '/api/v1/auth/me', { token: pending })).status).toBe(401);

    // The same code again, on a new pending login within its window: refused.
    await t.request('POST', '/api/v1/auth/login', { json: { username, password: `${username}-password` } });
    const replay = await t.request('POST', '/api/v1/auth/mfa/validate', { json: { username, code } });
    expect(replay.status).toBe(400);

    clock.advance(30_000);
    expect((await t.request('POST', '/api/v1/mfa/disable', { token: session, json: { code: '123' } })).status).toBe(400);
    const disabled = await t.request('POST', '/api/v1/mfa/disable', { token: session, json: { code: await codeAt(secret) } });
    expect(await disabled.json()).toEqual({ message: 'MFA disabled' });
    const plain = await t.request('POST', '/api/v1/auth/login', { json: { username, password: `${username}-password` } });
    expect(((await plain.json()) as Json).mfa_required).toBe(false);
  });

  it('validate without a pending login is 401, and five wrong codes end the pending login', async () => {
    const { token, username } = await t.userWithRole('viewer', 'niaj');
    const { secret } = (await (await t.request('POST', '/api/v1/mfa/setup', { token })).json()) as { secret: string };
    await t.request('POST', '/api/v1/mfa/verify', { token, json: { code: await codeAt(secret) } });
    clock.advance(30_000);
    expect((await t.request('POST', '/api/v1/auth/mfa/validate', { json: { username, code: await codeAt(secret) } })).status).toBe(401);

    const login = (await (await t.request('POST', '/api/v1/auth/login', { json: { username, password: `${username}-password` } })).json()) as Json;
    const pending = String(login.token);
    for (let i = 0; i < 5; i++) {
      const res = await t.request('POST', '/api/v1/auth/mfa/validate', { token: pending, json: { username, code: '999999' } });
      expect(res.status).toBe(400);
    }
    const late = await t.request('POST', '/api/v1/auth/mfa/validate', { token: pending, json: { username, code: await codeAt(secret) } });
    expect(late.status).toBe(401);
  });

  it('keeps the TOTP secret sealed at rest', async () => {
    const { token } = await t.userWithRole('viewer', 'olivia');
    const { secret } = (await (await t.request('POST', '/api/v1/mfa/setup', { token })).json()) as { secret: string };
    const [row] = await t.hub.store.rows<{ s: string }>(sql`select mfa_pending_secret s from users where username = 'olivia'`);
    expect(row!.s).not.toContain(secret);
    expect(row!.s.startsWith('v1.')).toBe(true);
  });

  it('requires authentication for setup, verify and disable', async () => {
    for (const path of ['/api/v1/mfa/setup', '/api/v1/mfa/verify', '/api/v1/mfa/disable']) {
      expect((await t.request('POST', path, { json: { code: '123456' } })).status).toBe(401);
    }
  });
});
