import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config.js';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { ahuCsv, uploadCsv } from '../../test/upload.js';

type Json = Record<string, unknown>;
const STRIPE = { STRIPE_SECRET_KEY: 'sk_test_defaulttier', STRIPE_WEBHOOK_SECRET: 'whsec_defaulttier' };

// A self-hosted hub without billing limits no one (new accounts on DEFAULT_TIER, enterprise unless set);
// with billing on, accounts start on free and pay for more. Whatever the tiers, the first admin is never
// stopped by a limit.
async function withHub(env: Record<string, string | undefined>, body: (t: TestHub) => Promise<void>): Promise<void> {
  const t = await createTestHub(env);
  try {
    await body(t);
  } finally {
    await t.close();
  }
}

const tierOf = async (t: TestHub, token: string) => ((await (await t.request('GET', '/api/v1/billing/usage', { token })).json()) as Json).tier;

async function signUp(t: TestHub, username: string): Promise<string | undefined> {
  const res = await t.request('POST', '/api/v1/auth/signup', { json: { username, email: `${username}@example.com`, password: 'long-enough-1' } });
  expect(res.status).toBe(201);
  const user = await t.hub.services.usersRepo.findByUsername(username);
  return user && t.hub.services.usersRepo.tierOf(user.id);
}

describe('DEFAULT_TIER', () => {
  it('defaults to enterprise without billing and free with it; an explicit value wins; a bad one stops start-up', () => {
    expect(loadConfig({}).billing.defaultTier).toBe('enterprise');
    expect(loadConfig(STRIPE).billing.defaultTier).toBe('free');
    expect(loadConfig({ DEFAULT_TIER: 'pro' }).billing.defaultTier).toBe('pro');
    expect(loadConfig({ ...STRIPE, DEFAULT_TIER: 'pro' }).billing.defaultTier).toBe('pro');
    expect(() => loadConfig({ DEFAULT_TIER: 'gold' })).toThrow(ConfigError);
    expect(() => loadConfig({ DEFAULT_TIER: 'gold' })).toThrow(/DEFAULT_TIER/);
  });

  it('puts new accounts on enterprise on a hub without Stripe keys, created by an admin or signed up', async () => {
    await withHub({ DEFAULT_TIER: undefined }, async (t) => {
      const created = await t.request('POST', '/api/v1/admin/users', { token: await t.adminToken(), json: { username: 'selfhost1', email: 'selfhost1@example.com', password: 'long-enough-1', role: 'operator' } });
      expect(((await created.json()) as Json).tier).toBe('enterprise');
      const { token } = await t.userWithRole('operator');
      expect(await tierOf(t, token)).toBe('enterprise');
      for (let i = 0; i < 6; i += 1) expect((await uploadCsv(t, token, ahuCsv(8), { name: `ds ${i}` })).status).toBe(201);
      expect(await signUp(t, 'selfhost2')).toBe('enterprise');
    });
  });

  it('puts new accounts on free when billing is on, as before, and the first admin on enterprise', async () => {
    await withHub({ ...STRIPE, DEFAULT_TIER: undefined }, async (t) => {
      const { token } = await t.userWithRole('operator');
      expect(await tierOf(t, token)).toBe('free');
      expect(await signUp(t, 'customer1')).toBe('free');
      expect(await tierOf(t, await t.adminToken())).toBe('enterprise');
    });
  });
});

describe('the first admin and tier limits', () => {
  it('never stops the first admin, even set to free by hand; a later admin on free is limited', async () => {
    await withHub({ ...STRIPE }, async (t) => {
      const admin = await t.adminToken();
      expect((await t.request('PUT', '/api/v1/admin/users/admin/subscription', { token: admin, json: { tier: 'free' } })).status).toBe(200);
      expect(await tierOf(t, admin)).toBe('free');
      for (let i = 0; i < 7; i += 1) expect((await uploadCsv(t, admin, ahuCsv(8), { name: `admin ds ${i}` })).status).toBe(201);
      // administering goes on: users, their tiers, the outbound policy
      const second = await t.userWithRole('admin');
      expect((await t.request('PUT', `/api/v1/admin/users/${second.username}/subscription`, { token: admin, json: { tier: 'free' } })).status).toBe(200);
      expect((await t.request('PUT', '/api/v1/admin/outbound-policy', { token: admin, json: { allow: ['*.example.com'], deny: [] } })).status).toBe(200);
      for (let i = 0; i < 5; i += 1) expect((await uploadCsv(t, second.token, ahuCsv(8), { name: `second ${i}` })).status).toBe(201);
      const refused = await uploadCsv(t, second.token, ahuCsv(8), { name: 'second 6' });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as Json).code).toBe('TIER_LIMIT');
    });
  });
});
