// Fake Stripe API for the hub's billing (docs/api.md "Billing & Subscriptions"), written from
// Stripe's API reference (objects, errors, idempotent requests, webhook signatures) and checked with
// the official `stripe` SDK pointed at it: `new Stripe(key, { host: '127.0.0.1', port, protocol: 'http' })`.
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { MiddlewareHandler } from 'hono';
import { createFakeApp, listen } from './shared/http-fake.js';
import type { FakeEnv, FakeHandle } from './shared/http-fake.js';
import { StripeAccount, StripeApiError } from './stripe-state.js';
import { registerStripeRoutes } from './stripe-routes.js';
import type { PriceSpec, StripeObject } from './stripe-objects.js';

export type { PriceSpec, StripeObject };

export interface StripeFakeOptions {
  /** The secret key requests must carry (Bearer, or Basic with the key as user name). */
  secretKey?: string;
  prices?: PriceSpec[];
  /** When set, every event is POSTed here with a `Stripe-Signature` made with `secret`. */
  webhook?: { url: string; secret: string };
  latencyMs?: number;
}

export interface StripeFake extends FakeHandle {
  secretKey: string;
  port: number;
  /** An SDK client already pointed at this fake (retries off, so injected faults surface). */
  client(): Stripe;
  /** Seeded and added prices, in creation order. */
  prices(): StripeObject[];
  createPrice(spec: PriceSpec): StripeObject;
  customer(id: string): StripeObject | undefined;
  subscription(id: string): StripeObject | undefined;
  checkoutSession(id: string): StripeObject | undefined;
  /** What the customer paying on the hosted page causes: `checkout.session.completed` and a subscription. */
  completeCheckout(sessionId: string, options?: { email?: string }): { session: StripeObject; subscription: StripeObject | null; event: StripeObject };
  /** E.g. `{ status: 'past_due' }` or `{ cancel_at_period_end: true }`; emits `customer.subscription.updated`. */
  updateSubscription(id: string, changes: Record<string, unknown>): StripeObject;
  /** Ends the subscription now; emits `customer.subscription.deleted`. */
  cancelSubscription(id: string): StripeObject;
  /** Every event emitted so far, oldest first. */
  events(): StripeObject[];
  /** Serialises and signs an event with the SDK's own `webhooks.generateTestHeaderString`. */
  signEvent(event: StripeObject, secret: string): { payload: string; header: string };
  /** POSTs a signed event to a webhook endpoint, as Stripe does. */
  deliver(event: StripeObject, target?: { url: string; secret: string }): Promise<Response>;
  /** Results of automatic deliveries to `options.webhook` (status or error text per event). */
  deliveries: { event: string; status?: number; error?: string }[];
}

const NO_KEY = "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";

export async function startStripeFake(options: StripeFakeOptions = {}): Promise<StripeFake> {
  const secretKey = options.secretKey ?? `sk_test_${randomBytes(12).toString('hex')}`;
  const deliveries: StripeFake['deliveries'] = [];
  let deliver: StripeFake['deliver'] = () => Promise.reject(new Error('not started'));
  const account = new StripeAccount((event) => {
    if (!options.webhook) return;
    deliver(event).then((res) => deliveries.push({ event: event.id, status: res.status }),
      (error: unknown) => deliveries.push({ event: event.id, error: String(error) }));
  });
  for (const spec of options.prices ?? []) account.addPrice(spec);
  const { app, faults } = createFakeApp({ latencyMs: options.latencyMs, failureResponse: (c, status) => c.json({ error: failureError(status) }, status as 500) });
  app.use('*', async (c, next) => {
    c.header('Request-Id', `req_${randomBytes(7).toString('hex')}`);
    c.header('Stripe-Version', c.req.header('stripe-version') ?? '2026-10-28.endive');
    await next();
  });
  app.use('*', authenticate(secretKey));
  app.use('*', idempotency());
  registerStripeRoutes(app, account);
  app.onError((error, c) => {
    if (error instanceof StripeApiError) return c.json({ error: error.error }, error.status as 400);
    return c.json({ error: { type: 'api_error', message: String(error) } }, 500);
  });
  app.notFound((c) => c.json({ error: { type: 'invalid_request_error',
    message: `Unrecognized request URL (${c.req.method}: ${new URL(c.req.url).pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` } }, 404));
  const handle = await listen(app, faults);
  const signEvent: StripeFake['signEvent'] = (event, secret) => {
    const payload = JSON.stringify(event, null, 2);
    return { payload, header: Stripe.webhooks.generateTestHeaderString({ payload, secret }) };
  };
  deliver = async (event, target = options.webhook) => {
    if (!target) throw new Error('no webhook target: pass one or set options.webhook');
    const { payload, header } = signEvent(event, target.secret);
    return fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header }, body: payload });
  };
  return {
    ...handle,
    secretKey,
    client: () => new Stripe(secretKey, { host: '127.0.0.1', port: handle.port, protocol: 'http', maxNetworkRetries: 0 }),
    prices: () => [...account.prices.values()],
    createPrice: (spec) => account.addPrice(spec),
    customer: (id) => account.customers.get(id),
    subscription: (id) => account.subscriptions.get(id),
    checkoutSession: (id) => account.sessions.get(id),
    completeCheckout: (id, opts) => account.completeCheckout(id, opts?.email),
    updateSubscription: (id, changes) => account.updateSubscription(id, changes),
    cancelSubscription: (id) => account.cancelSubscription(id),
    events: () => [...account.events],
    signEvent,
    deliver: (event, target) => deliver(event, target),
    deliveries,
  };
}

function failureError(status: number): Record<string, unknown> {
  if (status === 429) {
    return { type: 'invalid_request_error', code: 'rate_limit',
      message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.' };
  }
  return { type: 'api_error', message: 'An unknown error occurred' };
}

/** Bearer `sk_…`, or Basic with the key as the user name; 401 in Stripe's wording otherwise. */
function authenticate(secretKey: string): MiddlewareHandler<FakeEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const [scheme, value = ''] = header.split(' ');
    const key = scheme === 'Basic' ? Buffer.from(value, 'base64').toString('utf8').split(':')[0] : scheme === 'Bearer' ? value : '';
    if (!key) return c.json({ error: { type: 'invalid_request_error', message: NO_KEY } }, 401);
    if (key !== secretKey) {
      return c.json({ error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` } }, 401);
    }
    return next();
  };
}

/**
 * Idempotent POSTs: a successful result is saved per key and replayed with `Idempotent-Replayed: true`;
 * the same key with other parameters is an `idempotency_error`.
 */
function idempotency(): MiddlewareHandler<FakeEnv> {
  const saved = new Map<string, { fingerprint: string; status: number; body: string }>();
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || !key) return next();
    const fingerprint = `${c.req.method} ${new URL(c.req.url).pathname} ${c.get('rawBody')}`;
    const previous = saved.get(key);
    if (previous && previous.fingerprint !== fingerprint) {
      return c.json({ error: { type: 'idempotency_error', message:
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` } }, 400);
    }
    if (previous) {
      c.header('Idempotent-Replayed', 'true');
      c.header('Content-Type', 'application/json');
      return c.body(previous.body, previous.status as 200);
    }
    await next();
    if (c.res.status < 300) saved.set(key, { fingerprint, status: c.res.status, body: await c.res.clone().text() });
    return undefined;
  };
}
