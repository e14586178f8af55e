import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeFake, type StripeFake, type StripeObject } from '../../../../../test/fakes/stripe.js';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { ahuCsv, uploadCsv } from '../../test/upload.js';

type Json = Record<string, unknown>;
const WEBHOOK_SECRET = 'whsec_flowtestsecret';

// Billing end to end with the real `stripe` SDK against the Stripe fake: checkout, the signed
// checkout.session.completed, tier and limits, the portal, subscription updates and deletion,
// replays and out-of-order events, forged and stale signatures.
describe('billing with Stripe', () => {
  let fake: StripeFake;
  let t: TestHub;
  const tierEvents: { userId: string; tier: string }[] = [];

  beforeAll(async () => {
    fake = await startStripeFake({ prices: [
      { id: 'price_pro_m', lookup_key: 'prometheus_pro', unit_amount: 4900, interval: 'month', nickname: 'Pro' },
      { id: 'price_ent_m', lookup_key: 'prometheus_enterprise', unit_amount: 49900, interval: 'month', nickname: 'Enterprise' },
    ] });
    t = await createTestHub({ STRIPE_SECRET_KEY: fake.secretKey, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_URL: fake.url });
    t.hub.services.events.on('subscription.changed', (e) => void tierEvents.push(e));
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const deliver = (payload: string, header?: string) =>
    t.request('POST', '/api/v1/billing/webhook', { body: payload, headers: { 'content-type': 'application/json', ...(header ? { 'stripe-signature': header } : {}) } });
  const send = (event: StripeObject) => {
    const { payload, header } = fake.signEvent(event, WEBHOOK_SECRET);
    return deliver(payload, header);
  };
  const get = async (token: string, what: 'subscription' | 'usage') => (await (await t.request('GET', `/api/v1/billing/${what}`, { token })).json()) as Json;
  const sessionIdOf = (url: string) => /\/pay\/(cs_test_[A-Za-z0-9]+)/.exec(url)![1]!;

  async function subscribe(token: string, tier: 'pro' | 'enterprise' = 'pro') {
    const res = await t.request('POST', '/api/v1/billing/checkout', { token, json: { tier, success_url: 'https://app.example.com/ok', cancel_url: 'https://app.example.com/no' } });
    expect(res.status).toBe(200);
    const { checkout_url } = (await res.json()) as { checkout_url: string };
    return { url: checkout_url, ...fake.completeCheckout(sessionIdOf(checkout_url)) };
  }

  it('checks out, applies the signed checkout.session.completed once, and the pro limits take effect', async () => {
    const { token, id } = await t.userWithRole('operator');
    for (let i = 0; i < 5; i += 1) expect((await uploadCsv(t, token, ahuCsv(8), { name: `before ${i}` })).status).toBe(201);
    expect((await uploadCsv(t, token, ahuCsv(8))).status).toBe(403);

    const { url, session, subscription, event } = await subscribe(token);
    expect(url).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
    expect(session).toMatchObject({ client_reference_id: id, metadata: { user_id: id, tier: 'pro' }, success_url: 'https://app.example.com/ok' });
    expect(fake.customer(String(session.customer))).toMatchObject({ metadata: { user_id: id } });
    expect((await get(token, 'subscription')).stripe_customer_id).toBe(session.customer);

    const res = await send(event);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, duplicate: false });
    const sub = await get(token, 'subscription');
    const item = (subscription!.items as { data: { current_period_start: number; current_period_end: number }[] }).data[0]!;
    expect(sub).toMatchObject({
      tier: 'pro', stripe_subscription_id: subscription!.id, token_balance: 50_000, tokens_used_this_period: 0,
      current_period_start: new Date(item.current_period_start * 1000).toISOString().replace('.000Z', 'Z'),
      current_period_end: new Date(item.current_period_end * 1000).toISOString().replace('.000Z', 'Z'),
    });
    expect(await get(token, 'usage')).toMatchObject({ tier: 'pro', max_datasets: 50, max_models: 25, tokens_limit: 50_000, datasets_count: 5 });
    expect((await uploadCsv(t, token, ahuCsv(8), { name: 'sixth' })).status).toBe(201);
    expect(tierEvents).toContainEqual({ userId: id, tier: 'pro' });

    // A replay (Stripe retries, or an attacker resending a captured body) changes nothing.
    const replay = await send(event);
    expect(await replay.json()).toEqual({ received: true, duplicate: true });
    expect(await get(token, 'subscription')).toEqual(sub);

    const again = await t.request('POST', '/api/v1/billing/checkout', { token, json: { tier: 'enterprise' } });
    expect(again.status).toBe(409);
  });

  it('verifies the signature over the exact bytes Stripe sent, on a real socket', async () => {
    const { token } = await t.userWithRole('operator');
    const { event } = await subscribe(token, 'enterprise');
    const port = await t.hub.start();
    // The fake sends the event pretty-printed, as Stripe does: any re-serialisation would break the HMAC.
    const res = await fake.deliver(event, { url: `http://127.0.0.1:${port}/api/v1/billing/webhook`, secret: WEBHOOK_SECRET });
    expect(res.status).toBe(200);
    expect((await get(token, 'usage')).tier).toBe('enterprise');
  });

  it('opens the customer portal for the user’s Stripe customer', async () => {
    const { token } = await t.userWithRole('viewer');
    const res = await t.request('POST', '/api/v1/billing/portal', { token, json: { return_url: 'https://app.example.com/billing' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).portal_url).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\//);
    const portalCall = fake.requests.filter((r) => r.path === '/v1/billing_portal/sessions').at(-1)!;
    const customer = (await get(token, 'subscription')).stripe_customer_id as string;
    expect(new URLSearchParams(portalCall.body).get('customer')).toBe(customer);
    expect(new URLSearchParams(portalCall.body).get('return_url')).toBe('https://app.example.com/billing');
    // a second portal reuses the customer
    expect((await t.request('POST', '/api/v1/billing/portal', { token })).status).toBe(200);
    expect(fake.requests.filter((r) => r.path === '/v1/customers' && r.method === 'POST')
      .filter((r) => new URLSearchParams(r.body).get('email')?.startsWith('viewer'))).toHaveLength(1);
  });

  it('follows customer.subscription.updated (plan change, past_due grace) and ignores stale ones', async () => {
    const { token } = await t.userWithRole('operator');
    const { subscription, event } = await subscribe(token);
    await send(event);
    const subId = subscription!.id;
    const items = structuredClone(subscription!.items) as { data: { price: StripeObject }[] };
    items.data[0]!.price = fake.prices().find((p) => p.id === 'price_ent_m')!;
    fake.updateSubscription(subId, { items });
    const planChange = fake.events().at(-1)!;
    expect((await send(planChange)).status).toBe(200);
    expect((await get(token, 'usage')).tier).toBe('enterprise');

    fake.updateSubscription(subId, { status: 'past_due' });
    await send(fake.events().at(-1)!);
    expect((await get(token, 'subscription')).tier).toBe('enterprise');

    // An older update delivered late (Stripe does not guarantee order) must not roll the plan back.
    const late: StripeObject = { ...structuredClone(planChange), id: `${planChange.id}late`, created: Number(planChange.created) - 60 };
    (late.data as { object: { items: unknown } }).object.items = subscription!.items;
    expect(await (await send(late)).json()).toEqual({ received: true, duplicate: false });
    expect((await get(token, 'subscription')).tier).toBe('enterprise');
  });

  it('downgrades to free on customer.subscription.deleted; replaying the old checkout changes nothing', async () => {
    const { token, id } = await t.userWithRole('operator');
    const { subscription, event } = await subscribe(token);
    await send(event);
    fake.cancelSubscription(subscription!.id);
    const res = await send(fake.events().at(-1)!);
    expect(res.status).toBe(200);
    const after = await get(token, 'subscription');
    expect(after).toMatchObject({ tier: 'free', stripe_subscription_id: null, token_balance: 10_000 });
    expect(await get(token, 'usage')).toMatchObject({ max_datasets: 5, tokens_limit: 10_000 });
    expect(tierEvents.filter((e) => e.userId === id).map((e) => e.tier)).toEqual(['pro', 'free']);
    expect(await (await send(event)).json()).toEqual({ received: true, duplicate: true });
    expect(await get(token, 'subscription')).toEqual(after);
  });

  it('rejects forged, tampered, stale and unsigned deliveries with 400 and changes nothing', async () => {
    const { token } = await t.userWithRole('operator');
    const { event } = await subscribe(token);
    const { payload, header } = fake.signEvent(event, WEBHOOK_SECRET);
    const forged = fake.signEvent(event, 'whsec_not_the_secret');
    const stale = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 301 });
    const cases: [string, string, string | undefined][] = [
      ['forged', forged.payload, forged.header],
      ['tampered', payload.replace('"pro"', '"enterprise"'), header],
      ['stale', payload, stale],
      ['unsigned', payload, undefined],
    ];
    for (const [what, body, sig] of cases) {
      const res = await deliver(body, sig);
      expect(res.status, what).toBe(400);
      expect(((await res.json()) as Json).code, what).toBe('BAD_REQUEST');
    }
    expect((await get(token, 'subscription')).tier).toBe('free');
    // within the 5-minute tolerance the same event is accepted
    const recent = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: Math.floor(Date.now() / 1000) - 240 });
    expect((await deliver(payload, recent)).status).toBe(200);
    expect((await get(token, 'subscription')).tier).toBe('pro');
  });

  it('acknowledges events it does not handle, and answers 502 when Stripe fails', async () => {
    const created = fake.events().find((e) => e.type === 'customer.subscription.created')!;
    expect(await (await send(created)).json()).toEqual({ received: true, duplicate: false });
    const { token } = await t.userWithRole('operator');
    fake.failNext(3, 500);
    const res = await t.request('POST', '/api/v1/billing/checkout', { token, json: { tier: 'pro' } });
    expect(res.status).toBe(502);
    expect(((await res.json()) as Json).code).toBe('UPSTREAM_FAILED');
  });

  it('cancels the Stripe subscription of a user an admin deletes', async () => {
    const { token, username } = await t.userWithRole('operator');
    const { subscription, event } = await subscribe(token);
    await send(event);
    const res = await t.request('DELETE', `/api/v1/admin/users/${username}`, { token: await t.adminToken() });
    expect(res.status).toBe(204);
    expect(fake.subscription(subscription!.id)).toMatchObject({ status: 'canceled' });
    // the deletion event that follows finds no user and is acknowledged
    expect((await send(fake.events().at(-1)!)).status).toBe(200);
  });
});
