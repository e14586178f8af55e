import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestHub, testClock, type TestHub } from '../../test/harness.js';
import { startSmtpSink } from '../../test/smtp.js';

type Json = Record<string, unknown>;

describe('authentication routes', () => {
  let t: TestHub;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const clock = testClock();

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestHub({ SMTP_URL: smtp.url, RATE_LIMIT_LOGIN_PER_MIN: '1000' }, { clock });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  async function signupAndVerify(username: string, password = 'correct-horse-1') {
    const email = `${username}@example.com`;
    const res = await t.request('POST', '/api/v1/auth/signup', { json: { username, email, password } });
    expect(res.status).toBe(201);
    const [, code] = await smtp.waitFor(email, /verification code is: (\d{6})/);
    const verified = await t.request('POST', '/api/v1/auth/verify-email', { json: { email, code } });
    expect(verified.status).toBe(200);
    return { email, password };
  }

  it('logs in the admin and answers the contract shape', async () => {
    const res = await t.request('POST', '/api/v1/auth/login', { json: { username: 'admin', password: 'admin-password-1' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({ email_verified: true, mfa_required: false, user: { username: 'admin', role: 'admin' } });
    expect(String(body.token)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses wrong passwords and unknown users alike with 401', async () => {
    for (const json of [{ username: 'admin', password: 'wrong-password' }, { username: 'nobody', password: 'whatever1' }]) {
      const res = await t.request('POST', '/api/v1/auth/login', { json });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'Invalid credentials', code: 'INVALID_CREDENTIALS' });
    }
  });

  it('names the missing field on a bad login body', async () => {
    const res = await t.request('POST', '/api/v1/auth/login', { json: { username: 'admin' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error).toContain("'password'");
  });

  it('signs up, blocks login until the emailed code is entered, then logs in', async () => {
    const email = 'carol@example.com';
    const res = await t.request('POST', '/api/v1/auth/signup', { json: { username: 'carol', email, password: 'carol-password' } });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ message: 'Account created. Check your email for verification code.', user_id: 'carol' });
    const blocked = await t.request('POST', '/api/v1/auth/login', { json: { username: 'carol', password: 'carol-password' } });
    expect(blocked.status).toBe(403);
    expect(((await blocked.json()) as Json).code).toBe('EMAIL_NOT_VERIFIED');
    const [, code] = await smtp.waitFor(email, /verification code is: (\d{6})/);
    const wrong = code === '000000' ? '111111' : '000000';
    expect((await t.request('POST', '/api/v1/auth/verify-email', { json: { email, code: wrong } })).status).toBe(400);
    const ok = await t.request('POST', '/api/v1/auth/verify-email', { json: { email, code } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ message: 'Email verified successfully' });
    expect(await t.login('carol', 'carol-password')).toBeTruthy();
  });

  it('refuses signup with a taken username, a bad email or a short password', async () => {
    const cases = [
      { username: 'admin', email: 'x1@example.com', password: 'long-enough-1' },
      { username: 'dave', email: 'not-an-email', password: 'long-enough-1' },
      { username: 'erin', email: 'erin@example.com', password: 'short' },
    ];
    for (const json of cases) {
      const res = await t.request('POST', '/api/v1/auth/signup', { json });
      expect(res.status).toBe(400);
      expect(await res.json()).toHaveProperty('code');
    }
  });

  it('expires verification codes after 15 minutes, and resend issues a working one', async () => {
    const email = 'frank@example.com';
    await t.request('POST', '/api/v1/auth/signup', { json: { username: 'frank', email, password: 'frank-password' } });
    const [, first] = await smtp.waitFor(email, /verification code is: (\d{6})/);
    clock.advance(15 * 60_000 + 1000);
    expect((await t.request('POST', '/api/v1/auth/verify-email', { json: { email, code: first } })).status).toBe(400);
    const before = smtp.mails.length;
    const resend = await t.request('POST', '/api/v1/auth/resend-verification', { json: { email } });
    expect(await resend.json()).toEqual({ message: 'Verification code sent' });
    await expect.poll(() => smtp.mails.length).toBeGreaterThan(before);
    const [, second] = await smtp.waitFor(email, /verification code is: (\d{6})/);
    expect((await t.request('POST', '/api/v1/auth/verify-email', { json: { email, code: second } })).status).toBe(200);
  });

  it('validates, logs out and then refuses the token', async () => {
    const token = await t.adminToken();
    const session = await t.request('GET', '/api/v1/auth/session', { token });
    expect(await session.json()).toMatchObject({ valid: true, user: { username: 'admin', role: 'admin' } });
    const me = await t.request('GET', '/api/v1/auth/me', { token });
    expect(await me.json()).toMatchObject({ username: 'admin', email: 'admin@prometheus.local', role: 'admin' });
    const other = await t.login('admin', 'admin-password-1');
    expect(await (await t.request('POST', '/api/v1/auth/logout', { token: other })).json()).toEqual({ message: 'Logged out' });
    expect((await t.request('GET', '/api/v1/auth/session', { token: other })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/auth/me', { token })).status).toBe(200);
  });

  it('refuses missing, malformed and unknown tokens with 401', async () => {
    expect((await t.request('GET', '/api/v1/auth/me')).status).toBe(401);
    expect((await t.request('GET', '/api/v1/auth/me', { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    const res = await t.request('GET', '/api/v1/auth/me', { token: 'A'.repeat(43) });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('expires tokens after the configured lifetime (24 h default)', async () => {
    const token = await t.login('admin', 'admin-password-1');
    clock.advance(24 * 3_600_000 + 1000);
    expect((await t.request('GET', '/api/v1/auth/me', { token })).status).toBe(401);
  });

  it('forgot-password answers the same for unknown and known addresses and mails only the real one', async () => {
    const { email } = await signupAndVerify('grace');
    const known = await t.request('POST', '/api/v1/auth/forgot-password', { json: { email } });
    const unknown = await t.request('POST', '/api/v1/auth/forgot-password', { json: { email: 'ghost@example.com' } });
    expect(known.status).toBe(200);
    expect(await unknown.json()).toEqual(await known.json());
    await smtp.waitFor(email, /reset token is:\s+(\S+)/);
    await new Promise((r) => setTimeout(r, 100));
    expect(smtp.mails.some((m) => m.to.includes('ghost@example.com'))).toBe(false);
  });

  it('resets a password with the mailed token once, revoking every session', async () => {
    const { email, password } = await signupAndVerify('heidi');
    const oldToken = await t.login('heidi', password);
    await t.request('POST', '/api/v1/auth/forgot-password', { json: { email } });
    const [, token] = await smtp.waitFor(email, /reset token is:\s+(\S+)/);
    const reset = await t.request('POST', '/api/v1/auth/reset-password', { json: { token, new_password: 'heidi-new-password' } });
    expect(await reset.json()).toEqual({ message: 'Password reset successfully' });
    expect((await t.request('GET', '/api/v1/auth/me', { token: oldToken })).status).toBe(401);
    expect((await t.request('POST', '/api/v1/auth/reset-password', { json: { token, new_password: 'another-password' } })).status).toBe(400);
    expect(await t.login('heidi', 'heidi-new-password')).toBeTruthy();
  });

  it('expires reset tokens after 30 minutes', async () => {
    const { email } = await signupAndVerify('ivan');
    await t.request('POST', '/api/v1/auth/forgot-password', { json: { email } });
    const [, token] = await smtp.waitFor(email, /reset token is:\s+(\S+)/);
    clock.advance(30 * 60_000 + 1000);
    const res = await t.request('POST', '/api/v1/auth/reset-password', { json: { token, new_password: 'ivan-new-password' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).code).toBe('INVALID_TOKEN');
  });

  it('changes the password: wrong current refused, other sessions revoked, this one kept', async () => {
    const { password } = await signupAndVerify('judy');
    const current = await t.login('judy', password);
    const other = await t.login('judy', password);
    const wrong = await t.request('PUT', '/api/v1/auth/change-password', { token: current, json: { current_password: 'nope-nope', new_password: 'judy-new-password' } });
    expect(wrong.status).toBe(400);
    const short = await t.request('PUT', '/api/v1/auth/change-password', { token: current, json: { current_password: password, new_password: 'short' } });
    expect(short.status).toBe(400);
    const ok = await t.request('PUT', '/api/v1/auth/change-password', { token: current, json: { current_password: password, new_password: 'judy-new-password' } });
    expect(await ok.json()).toEqual({ message: 'Password changed successfully' });
    expect((await t.request('GET', '/api/v1/auth/me', { token: other })).status).toBe(401);
    expect((await t.request('GET', '/api/v1/auth/me', { token: current })).status).toBe(200);
    expect(await t.login('judy', 'judy-new-password')).toBeTruthy();
  });

  it('stores only hashes of tokens and argon2id hashes of passwords', async () => {
    const token = await t.login('admin', 'admin-password-1');
    const { store } = t.hub;
    expect(await store.rows(sql`select count(*) n from sessions where token_hash = ${token}`)).toEqual([{ n: 0 }]);
    const [row] = await store.rows<{ h: string }>(sql`select password_hash h from users where username = 'admin'`);
    expect(row!.h).toMatch(/^\$argon2id\$/);
  });
});
