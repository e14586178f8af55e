// The Stripe fake checked with the official SDK (stripe v23) against the shapes of Stripe's API
// reference and the billing contract of docs/api.md ("Billing & Subscriptions").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { startStripeFake } from './stripe.js';
import type { StripeFake } from './stripe.js';

describe('stripe fake with the official SDK', () => {
  let fake: StripeFake;
  let stripe: Stripe;
  beforeAll(async () => {
    fake = await startStripeFake({ prices: [
      { id: 'price_pro_monthly', lookup_key: 'pro_monthly', unit_amount: 4900, interval: 'month', nickname: 'Pro' },
      { id: 'price_ent_yearly', lookup_key: 'enterprise_yearly', unit_amount: 99000, interval: 'year' },
      { id: 'price_tokens', unit_amount: 500, interval: null },
    ] });
    stripe = fake.client();
  });
  afterAll(() => fake.close());

  it('creates and retrieves customers', async () => {
    // API reference "The Customer object": id `cus_…`, object "customer", metadata of strings
    const created = await stripe.customers.create({ email: 'ops@example.com', name: 'Ops', metadata: { user_id: 'usr_1' } });
    expect(created).toMatchObject({ object: 'customer', email: 'ops@example.com', metadata: { user_id: 'usr_1' }, livemode: false });
    expect(created.id).toMatch(/^cus_/);
    expect((await stripe.customers.retrieve(created.id)).id).toBe(created.id);
  });

  it('creates a subscription checkout session whose url is a checkout.stripe.com link', async () => {
    const customer = await stripe.customers.create({ email: 'a@example.com' });
    // docs/api.md: `{ "checkout_url": "https://checkout.stripe.com/c/pay/cs_..." }`
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription', customer: customer.id, client_reference_id: 'usr_1', metadata: { tier: 'pro' },
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      success_url: 'https://app.example.com/billing?success=true', cancel_url: 'https://app.example.com/billing',
      subscription_data: { metadata: { user_id: 'usr_1' } },
    });
    expect(session).toMatchObject({ object: 'checkout.session', mode: 'subscription', status: 'open', payment_status: 'unpaid',
      customer: customer.id, client_reference_id: 'usr_1', metadata: { tier: 'pro' }, amount_total: 4900, currency: 'usd' });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toMatch(new RegExp(`^https://checkout\\.stripe\\.com/c/pay/${session.id}`));
    const withItems = await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items', 'customer'] });
    expect(withItems.line_items?.data[0]?.price?.id).toBe('price_pro_monthly');
    expect((withItems.customer as Stripe.Customer).email).toBe('a@example.com');
  });

  it('creates billing portal sessions', async () => {
    const customer = await stripe.customers.create({ email: 'b@example.com' });
    // docs/api.md: `{ "portal_url": "https://billing.stripe.com/p/session/..." }`
    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'https://app.example.com/billing' });
    expect(portal).toMatchObject({ object: 'billing_portal.session', customer: customer.id, return_url: 'https://app.example.com/billing' });
    expect(portal.url).toMatch(/^https:\/\/billing\.stripe\.com\/p\/session\//);
  });

  it('completes checkout into an active subscription and a signed checkout.session.completed event', async () => {
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', customer_email: 'c@example.com',
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }], success_url: 'https://x/s', subscription_data: { metadata: { user_id: 'usr_9' } } });
    const { subscription, event } = fake.completeCheckout(session.id);
    // docs/api.md: "Handled events: checkout.session.completed, customer.subscription.updated, customer.subscription.deleted"
    expect(event.type).toBe('checkout.session.completed');
    const completed = (event.data as { object: Stripe.Checkout.Session }).object;
    expect(completed).toMatchObject({ status: 'complete', payment_status: 'paid', subscription: subscription!.id });
    const sub = await stripe.subscriptions.retrieve(subscription!.id);
    expect(sub).toMatchObject({ object: 'subscription', status: 'active', customer: completed.customer, metadata: { user_id: 'usr_9' } });
    const item = sub.items.data[0]!;
    expect(item.price.id).toBe('price_pro_monthly');
    expect(item.current_period_end).toBeGreaterThan(item.current_period_start);
    // "Verifies HMAC-SHA256 signature via Stripe-Signature header." — the SDK's verifier accepts the fake's signature
    const { payload, header } = fake.signEvent(event, 'whsec_test');
    const verified = stripe.webhooks.constructEvent(payload, header, 'whsec_test');
    expect(verified.type).toBe('checkout.session.completed');
    expect(() => stripe.webhooks.constructEvent(payload, header, 'whsec_other')).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  it('lists, updates and cancels subscriptions with the matching events', async () => {
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', customer_email: 'd@example.com',
      line_items: [{ price: 'price_ent_yearly' }], success_url: 'https://x/s' });
    const { subscription } = fake.completeCheckout(session.id);
    const customer = String(subscription!.customer);
    expect((await stripe.subscriptions.list({ customer })).data.map((s) => s.id)).toEqual([subscription!.id]);
    const updated = await stripe.subscriptions.update(subscription!.id, { cancel_at_period_end: true });
    expect(updated.cancel_at_period_end).toBe(true);
    fake.updateSubscription(subscription!.id, { status: 'past_due' });
    const canceled = await stripe.subscriptions.cancel(subscription!.id);
    expect(canceled).toMatchObject({ status: 'canceled', canceled_at: expect.any(Number) });
    expect((await stripe.subscriptions.list({ customer })).data).toEqual([]);
    expect((await stripe.subscriptions.list({ customer, status: 'all' })).data).toHaveLength(1);
    const types = fake.events().filter((e) => (e.data as { object: { id: string } }).object.id === subscription!.id).map((e) => e.type);
    expect(types).toEqual(['customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.updated', 'customer.subscription.deleted']);
    const pastDue = fake.events().find((e) => e.type === 'customer.subscription.updated' && (e.data as { previous_attributes: { status?: string } }).previous_attributes.status);
    expect((pastDue!.data as { previous_attributes: unknown }).previous_attributes).toEqual({ status: 'active' });
  });

  it('lists prices with filters and pages', async () => {
    const byKey = await stripe.prices.list({ lookup_keys: ['pro_monthly'] });
    expect(byKey).toMatchObject({ object: 'list', has_more: false, url: '/v1/prices' });
    expect(byKey.data.map((p) => p.id)).toEqual(['price_pro_monthly']);
    const recurring = await stripe.prices.list({ type: 'recurring', limit: 1 });
    expect(recurring.has_more).toBe(true);
    const rest = await stripe.prices.list({ type: 'recurring', limit: 1, starting_after: recurring.data[0]!.id });
    expect(rest.data[0]!.id).not.toBe(recurring.data[0]!.id);
  });

  it('answers errors in Stripe’s envelope, as typed SDK errors', async () => {
    // "The error object": `{ error: { type, code, message, param, doc_url } }` with 404 for missing objects
    const missing = await stripe.customers.retrieve('cus_nope').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id', message: "No such customer: 'cus_nope'" });
    const unknownPrice = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: 'price_nope' }], success_url: 'https://x' }).catch((e: unknown) => e);
    expect(unknownPrice).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'line_items[0][price]' });
    const oneTime = await stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: 'price_tokens' }], success_url: 'https://x' }).catch((e: unknown) => e);
    expect(oneTime).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError' });
    const noMode = await stripe.checkout.sessions.create({} as Stripe.Checkout.SessionCreateParams).catch((e: unknown) => e);
    expect(noMode).toMatchObject({ code: 'parameter_missing', param: 'mode' });
    const badKey = await new Stripe('sk_test_wrong', { host: '127.0.0.1', port: fake.port, protocol: 'http' }).customers.list().catch((e: unknown) => e);
    expect(badKey).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('honours Idempotency-Key: replays the first result and refuses other parameters', async () => {
    const first = await stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey: 'k-1' });
    const again = await stripe.customers.create({ email: 'idem@example.com' }, { idempotencyKey: 'k-1' });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    const clash = await stripe.customers.create({ email: 'other@example.com' }, { idempotencyKey: 'k-1' }).catch((e: unknown) => e);
    expect(clash).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('sends form-encoded bodies with bracket notation and Bearer auth (request log)', async () => {
    fake.clearRequests();
    await stripe.customers.create({ metadata: { a: 'b' } });
    const [request] = fake.requests;
    expect(request!.headers.authorization).toBe(`Bearer ${fake.secretKey}`);
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request!.body).toBe('metadata[a]=b');
  });
});

describe('stripe fake webhook delivery', () => {
  it('delivers signed events to a configured endpoint', async () => {
    const received: { signature: string; body: string }[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      req.on('end', () => { received.push({ signature: String(req.headers['stripe-signature']), body }); res.end('ok'); });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const fake = await startStripeFake({ prices: [{ id: 'price_p', unit_amount: 100 }], webhook: { url: `http://127.0.0.1:${port}/hook`, secret: 'whsec_x' } });
    try {
      const session = await fake.client().checkout.sessions.create({ mode: 'subscription', line_items: [{ price: 'price_p' }], customer_email: 'e@example.com', success_url: 'https://x' });
      fake.completeCheckout(session.id);
      await expect.poll(() => fake.deliveries.length).toBe(2);
      expect(fake.deliveries.map((d) => d.status)).toEqual([200, 200]);
      const types = received.map((r) => Stripe.webhooks.constructEvent(r.body, r.signature, 'whsec_x').type).sort();
      expect(types).toEqual(['checkout.session.completed', 'customer.subscription.created']);
    } finally {
      await fake.close();
      server.close();
    }
  });
});
