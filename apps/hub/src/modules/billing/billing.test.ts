import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestHub, testClock, type TestHub } from '../../test/harness.js';
import { ahuCsv, uploadCsv } from '../../test/upload.js';
import { TIERS } from '../../tiers.js';
import { createLimits } from './limits.js';
import type { BillingRepo } from './repo.js';

type Json = Record<string, unknown>;
const MB = 1024 * 1024;

// Billing without Stripe configured: subscriptions and usage from the store, tiers set by an admin,
// the dataset limits enforced on the real upload path, and 503 for everything that needs Stripe.
describe('billing without Stripe', () => {
  let t: TestHub;
  const clock = testClock(Date.UTC(2026, 2, 10, 12));

  beforeAll(async () => {
    t = await createTestHub({}, { clock });
  });
  afterAll(() => t.close());

  it('reports the Free subscription every new account gets, with its first period and token allowance', async () => {
    const { token, id } = await t.userWithRole('viewer');
    const res = await t.request('GET', '/api/v1/billing/subscription', { token });
    expect(res.status).toBe(200);
    const sub = (await res.json()) as Json;
    expect(sub).toMatchObject({
      id, user_id: id, tier: 'free', stripe_customer_id: null, stripe_subscription_id: null,
      token_balance: TIERS.free.tokens_per_period, tokens_used_this_period: 0,
      current_period_start: '2026-03-10T12:00:00Z', current_period_end: '2026-04-10T12:00:00Z',
    });
    expect((await t.request('GET', '/api/v1/billing/subscription')).status).toBe(401);
  });

  it('reports usage as real counts from the store against the tier limits', async () => {
    const { token } = await t.userWithRole('operator');
    const before = (await (await t.request('GET', '/api/v1/billing/usage', { token })).json()) as Json;
    expect(before).toEqual({
      tier: 'free', token_balance: 10_000, tokens_used: 0, tokens_limit: 10_000, percentage_used: 0,
      max_concurrent_trainings: 1, max_datasets: 5, max_models: 3, max_deployments: 1, max_dataset_size_bytes: 50 * MB,
      datasets_count: 0, models_count: 0, deployments_count: 0, active_trainings: 0,
    });
    expect((await uploadCsv(t, token, ahuCsv())).status).toBe(201);
    const after = (await (await t.request('GET', '/api/v1/billing/usage', { token })).json()) as Json;
    expect(after.datasets_count).toBe(1);
  });

  it('refuses the dataset over the tier count with 403 TIER_LIMIT naming the limit and the tier that lifts it', async () => {
    const { token, username } = await t.userWithRole('operator');
    for (let i = 0; i < TIERS.free.max_datasets; i += 1) expect((await uploadCsv(t, token, ahuCsv(), { name: `ds ${i}` })).status).toBe(201);
    const refused = await uploadCsv(t, token, ahuCsv(), { name: 'one too many' });
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as Json;
    expect(body.code).toBe('TIER_LIMIT');
    expect(body.error).toContain('max_datasets');
    expect(body.error).toContain('pro tier lifts it (50)');
    expect(body.details).toContain('tier: free; upgrade to: pro');
    // another user's datasets do not count against this one
    const other = await t.userWithRole('operator');
    expect((await uploadCsv(t, other.token, ahuCsv())).status).toBe(201);
    // an admin lifts the tier; the same upload now passes
    const admin = await t.adminToken();
    const set = await t.request('PUT', `/api/v1/admin/users/${username}/subscription`, { token: admin, json: { tier: 'pro' } });
    expect(set.status).toBe(200);
    expect(((await set.json()) as Json).tier).toBe('pro');
    expect((await uploadCsv(t, token, ahuCsv(), { name: 'now allowed' })).status).toBe(201);
    expect(((await (await t.request('GET', '/api/v1/billing/usage', { token })).json()) as Json).max_datasets).toBe(50);
  });

  it('refuses a dataset file larger than the tier allows, before reading it', async () => {
    const { token } = await t.userWithRole('operator');
    // The size is checked before the file is parsed, so its content can be one repeated row.
    const big = Buffer.alloc(50 * MB + 1024, '2026-01-01T00:00:00Z,55.5\n');
    const refused = await uploadCsv(t, token, big);
    expect(refused.status).toBe(403);
    const body = (await refused.json()) as Json;
    expect(body).toMatchObject({ code: 'TIER_LIMIT' });
    expect(body.error).toContain('max_dataset_size_bytes');
    expect(body.error).toContain('pro tier lifts it (500.0 MB)');
    expect(((await (await t.request('GET', '/api/v1/billing/usage', { token })).json()) as Json).datasets_count).toBe(0);
  });

  it('answers 503 for checkout, portal and webhook while Stripe is not configured, after validating input', async () => {
    const { token } = await t.userWithRole('operator');
    const checkout = await t.request('POST', '/api/v1/billing/checkout', { token, json: { tier: 'pro' } });
    expect(checkout.status).toBe(503);
    expect((await checkout.json()) as Json).toMatchObject({ code: 'SERVICE_UNAVAILABLE', details: expect.stringContaining('STRIPE_SECRET_KEY') });
    expect((await t.request('POST', '/api/v1/billing/portal', { token })).status).toBe(503);
    expect((await t.request('POST', '/api/v1/billing/webhook', { body: '{}', headers: { 'stripe-signature': 't=1,v1=00' } })).status).toBe(503);
    const free = await t.request('POST', '/api/v1/billing/checkout', { token, json: { tier: 'free' } });
    expect(free.status).toBe(400);
    expect(((await free.json()) as Json).error).toContain("'tier'");
    const badUrl = await t.request('POST', '/api/v1/billing/checkout', { token, json: { tier: 'pro', success_url: 'javascript:alert(1)' } });
    expect(badUrl.status).toBe(400);
    expect((await t.request('POST', '/api/v1/billing/checkout', { json: { tier: 'pro' } })).status).toBe(401);
  });

  it('lets only admins set tiers, and only of existing users', async () => {
    const { token, username } = await t.userWithRole('operator');
    const denied = await t.request('PUT', `/api/v1/admin/users/${username}/subscription`, { token, json: { tier: 'enterprise' } });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as Json).code).toBe('FORBIDDEN');
    const admin = await t.adminToken();
    expect((await t.request('PUT', '/api/v1/admin/users/ghost/subscription', { token: admin, json: { tier: 'pro' } })).status).toBe(404);
    expect((await t.request('PUT', `/api/v1/admin/users/${username}/subscription`, { token: admin, json: { tier: 'gold' } })).status).toBe(400);
  });

  it('mails a plan change, unless the user turned email notifications off', async () => {
    const admin = await t.adminToken();
    const told = await t.userWithRole('operator');
    const quiet = await t.userWithRole('operator');
    await t.request('PUT', '/api/v1/profile/preferences', { token: quiet.token, json: { email_notifications: false } });
    for (const u of [quiet, told]) expect((await t.request('PUT', `/api/v1/admin/users/${u.username}/subscription`, { token: admin, json: { tier: 'pro' } })).status).toBe(200);
    const mails = () => fs.readdirSync(path.join(t.dataDir, 'outbox')).map((f) => fs.readFileSync(path.join(t.dataDir, 'outbox', f), 'utf8'));
    await vi.waitFor(() => expect(mails().some((m) => m.includes(`To: ${told.username}@example.com`) && m.includes('Subject: Your Prometheus plan is now Pro'))).toBe(true));
    expect(mails().filter((m) => m.includes(`To: ${quiet.username}@example.com`))).toEqual([]);
  });

  it('has a counter for every count limit in the hub, and refuses a limit without one loudly', async () => {
    const { id } = await t.userWithRole('operator');
    for (const limit of ['max_datasets', 'max_models', 'max_deployments', 'max_concurrent_trainings'] as const) {
      await expect(t.hub.services.billing.limits.assertCanAdd(id, limit)).resolves.toBeUndefined();
    }
    // A limits service no module has registered counters with (the repo is never reached).
    const bare = createLimits({ repo: {} as BillingRepo, clock });
    await expect(bare.assertCanAdd(id, 'max_models')).rejects.toThrow(/no counter registered for max_models/);
    await t.hub.services.billing.limits.assertWithin(id, 'max_models', 2);
    await expect(t.hub.services.billing.limits.assertWithin(id, 'max_models', 3)).rejects.toMatchObject({ code: 'TIER_LIMIT' });
  });
  it('counts agent tokens against the balance, refuses when spent, and renews them with the next period', async () => {
    const { token, id, username } = await t.userWithRole('operator');
    const { limits } = t.hub.services.billing;
    await limits.charge(id, 9_000);
    let usage = (await (await t.request('GET', '/api/v1/billing/usage', { token })).json()) as Json;
    expect(usage).toMatchObject({ token_balance: 1_000, tokens_used: 9_000, percentage_used: 90 });
    await limits.charge(id, 1_500);
    usage = (await (await t.request('GET', '/api/v1/billing/usage', { token })).json()) as Json;
    expect(usage).toMatchObject({ token_balance: 0, tokens_used: 10_500 });
    await expect(limits.assertTokens(id)).rejects.toMatchObject({ code: 'TIER_LIMIT', message: expect.stringContaining('agent_tokens') });
    // Last test of the file: past a month, sessions have expired too, so log in again.
    clock.advance(32 * 24 * 3_600_000);
    const fresh = await t.login(username, `${username}-password`);
    usage = (await (await t.request('GET', '/api/v1/billing/usage', { token: fresh })).json()) as Json;
    expect(usage).toMatchObject({ token_balance: 10_000, tokens_used: 0 });
    const sub = (await (await t.request('GET', '/api/v1/billing/subscription', { token: fresh })).json()) as Json;
    expect(sub.current_period_start).toBe('2026-04-10T12:00:00Z');
  });
});
