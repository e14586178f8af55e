import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';

type Json = Record<string, unknown>;

// Someone holding a user's session (a borrowed laptop, a stolen token) must not be able to guess the
// password through change-password: five wrong current passwords lock it for 15 minutes, right guess included.
describe('change-password guessing', () => {
  let t: TestHub;

  beforeAll(async () => {
    t = await createTestHub();
  });
  afterAll(() => t.close());
  afterEach(() => void vi.useRealTimers());

  const change = (token: string, current: string, next = 'brand-new-password') =>
    t.request('PUT', '/api/v1/auth/change-password', { token, json: { current_password: current, new_password: next } });

  it('locks the action after a burst of wrong current passwords, even for the right one, then lets it through', async () => {
    const { token, username } = await t.userWithRole('operator');
    const second = await t.login(username, `${username}-password`);
    const bystander = await t.userWithRole('operator');
    for (let i = 1; i <= 4; i += 1) expect((await change(token, `guess-${i}-wrong`)).status).toBe(400);

    const locking = await change(token, 'guess-5-wrong');
    expect(locking.status).toBe(429);
    expect(Number(locking.headers.get('retry-after'))).toBe(900);
    expect(await locking.json()).toMatchObject({ code: 'RATE_LIMITED', error: 'Too many wrong current passwords' });

    // The right password waits too (or the lock would confirm a guess), from any session of the user.
    for (const session of [token, second]) {
      const res = await change(session, `${username}-password`);
      expect(res.status).toBe(429);
      const body = (await res.json()) as Json;
      expect(body.code).toBe('RATE_LIMITED');
      expect(typeof body.details).toBe('string');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect((await change(bystander.token, `${bystander.username}-password`)).status).toBe(200);
    expect(await t.login(username, `${username}-password`)).toBeTruthy();

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 15 * 60_000 + 1000 });
    expect((await change(token, `${username}-password`)).status).toBe(200);
    expect(await t.login(username, 'brand-new-password')).toBeTruthy();
  });

  it('forgets earlier mistakes once the right password goes through', async () => {
    const { token, username } = await t.userWithRole('viewer');
    for (let i = 1; i <= 4; i += 1) expect((await change(token, `typo-${i}-wrong`)).status).toBe(400);
    expect((await change(token, `${username}-password`, 'second-password')).status).toBe(200);
    for (let i = 1; i <= 4; i += 1) expect((await change(token, `typo-${i}-again`)).status).toBe(400);
    expect((await change(token, 'second-password', 'third-password')).status).toBe(200);
  });
});
