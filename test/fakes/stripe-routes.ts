// The Stripe endpoints the hub's billing uses, as the official SDK calls them: form-encoded
// bodies (bracket notation) and query strings, `expand[]`, list envelopes with cursor paging.
import qs from 'qs';
import type { Hono } from 'hono';
import { param } from './shared/http-fake.js';
import type { FakeContext, FakeEnv } from './shared/http-fake.js';
import { invalidRequest, noSuch } from './stripe-state.js';
import type { StripeAccount } from './stripe-state.js';
import type { StripeObject } from './stripe-objects.js';

/** Top-level parameters each endpoint accepts; others get Stripe's `parameter_unknown`. */
const ALLOWED: Record<string, string[]> = {
  customerCreate: ['address', 'balance', 'description', 'email', 'invoice_prefix', 'invoice_settings', 'metadata', 'name',
    'payment_method', 'phone', 'preferred_locales', 'shipping', 'tax', 'tax_exempt', 'tax_id_data', 'test_clock', 'expand'],
  checkoutCreate: ['mode', 'line_items', 'success_url', 'cancel_url', 'customer', 'customer_email', 'customer_creation', 'metadata',
    'client_reference_id', 'subscription_data', 'allow_promotion_codes', 'billing_address_collection', 'payment_method_types',
    'locale', 'expand', 'automatic_tax', 'ui_mode', 'return_url', 'discounts', 'consent_collection', 'customer_update',
    'tax_id_collection', 'expires_at', 'payment_method_collection', 'payment_method_configuration'],
  portalCreate: ['customer', 'return_url', 'configuration', 'flow_data', 'locale', 'on_behalf_of', 'expand'],
  subscriptionUpdate: ['cancel_at_period_end', 'cancel_at', 'metadata', 'default_payment_method', 'description', 'expand'],
  subscriptionList: ['customer', 'price', 'status', 'limit', 'starting_after', 'ending_before', 'expand', 'created'],
  priceList: ['active', 'currency', 'lookup_keys', 'product', 'type', 'recurring', 'limit', 'starting_after', 'ending_before', 'expand', 'created'],
  retrieve: ['expand'],
};

export function stripeParams(c: FakeContext): Record<string, unknown> {
  const source = c.req.method === 'GET' || c.req.method === 'DELETE' ? new URL(c.req.url).search.slice(1) : c.get('rawBody');
  return qs.parse(source, { arrayLimit: 100, depth: 10 }) as Record<string, unknown>;
}

function checked(c: FakeContext, endpoint: keyof typeof ALLOWED): Record<string, unknown> {
  const params = stripeParams(c);
  const unknown = Object.keys(params).find((key) => !ALLOWED[endpoint]!.includes(key));
  if (unknown) throw invalidRequest(`Received unknown parameter: ${unknown}`, unknown, 'parameter_unknown');
  return params;
}

const asList = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value && typeof value === 'object' ? Object.values(value).map(String) : value ? [String(value)] : [];

/** Replaces top-level id fields named in `expand` with the objects they point at. */
function expand(account: StripeAccount, object: StripeObject, params: Record<string, unknown>): StripeObject {
  const out: StripeObject = { ...object };
  for (const path of asList(params.expand)) {
    const value = out[path];
    if (path === 'line_items' && object.object === 'checkout.session') {
      out.line_items = list(account.sessionLineItems(object.id).map((item, i) => ({
        id: `li_${object.id.slice(-10)}${i}`, object: 'item', amount_total: Number(item.price.unit_amount) * item.quantity,
        currency: item.price.currency, description: item.price.nickname ?? null, price: item.price, quantity: item.quantity,
      })) as StripeObject[], {}, `/v1/checkout/sessions/${object.id}/line_items`);
    } else if (typeof value === 'string') {
      out[path] = account.customers.get(value) ?? account.subscriptions.get(value) ?? account.prices.get(value) ?? value;
    } else if (!(path in out)) {
      throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
    }
  }
  return out;
}

/** Stripe lists: newest first, `limit` 1..100 (default 10), `starting_after` / `ending_before` ids. */
export function list(items: StripeObject[], params: Record<string, unknown>, url: string): Record<string, unknown> {
  const limit = params.limit === undefined ? 10 : Number(params.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidRequest('Invalid integer: limit must be between 1 and 100', 'limit', 'parameter_invalid_integer');
  }
  let window = [...items].reverse();
  if (typeof params.starting_after === 'string') window = window.slice(window.findIndex((o) => o.id === params.starting_after) + 1);
  if (typeof params.ending_before === 'string') {
    const end = window.findIndex((o) => o.id === params.ending_before);
    window = window.slice(Math.max(0, end - limit), Math.max(0, end));
  }
  return { object: 'list', data: window.slice(0, limit), has_more: window.length > limit, url };
}

export function registerStripeRoutes(app: Hono<FakeEnv>, account: StripeAccount): void {
  app.post('/v1/customers', (c) => c.json(account.createCustomer(checked(c, 'customerCreate'))));
  app.get('/v1/customers/:id', (c) => c.json(expand(account, account.customer(param(c, 'id')), checked(c, 'retrieve'))));
  app.post('/v1/customers/:id', (c) => {
    const customer = account.customer(param(c, 'id'));
    const params = checked(c, 'customerCreate');
    for (const key of ['email', 'name', 'description', 'phone']) if (key in params) customer[key] = params[key] || null;
    if ('metadata' in params) customer.metadata = { ...(customer.metadata as object), ...(params.metadata as object) };
    return c.json(customer);
  });
  app.post('/v1/checkout/sessions', (c) => c.json(account.createCheckoutSession(checked(c, 'checkoutCreate'))));
  app.get('/v1/checkout/sessions/:id', (c) => c.json(expand(account, account.session(param(c, 'id')), checked(c, 'retrieve'))));
  app.post('/v1/billing_portal/sessions', (c) => c.json(account.createPortalSession(checked(c, 'portalCreate'))));
  app.get('/v1/subscriptions', (c) => {
    const params = checked(c, 'subscriptionList');
    const status = typeof params.status === 'string' ? params.status : undefined;
    const items = [...account.subscriptions.values()].filter((s) =>
      (params.customer === undefined || s.customer === params.customer)
      && (status === 'all' || (status ? s.status === status : s.status !== 'canceled'))
      && (params.price === undefined || (s.items as { data: { price: { id: string } }[] }).data.some((i) => i.price.id === params.price)));
    return c.json(list(items, params, '/v1/subscriptions'));
  });
  app.get('/v1/subscriptions/:id', (c) => c.json(expand(account, account.subscription(param(c, 'id')), checked(c, 'retrieve'))));
  app.post('/v1/subscriptions/:id', (c) => {
    const params = checked(c, 'subscriptionUpdate');
    const changes: Record<string, unknown> = {};
    if ('cancel_at_period_end' in params) changes.cancel_at_period_end = params.cancel_at_period_end === 'true';
    if ('metadata' in params) changes.metadata = params.metadata;
    return c.json(account.updateSubscription(param(c, 'id'), changes));
  });
  app.delete('/v1/subscriptions/:id', (c) => c.json(account.cancelSubscription(param(c, 'id'))));
  app.get('/v1/prices', (c) => {
    const params = checked(c, 'priceList');
    const keys = asList(params.lookup_keys);
    const items = [...account.prices.values()].filter((p) =>
      (params.active === undefined || String(p.active) === params.active)
      && (keys.length === 0 || keys.includes(String(p.lookup_key)))
      && (params.product === undefined || p.product === params.product)
      && (params.type === undefined || p.type === params.type));
    return c.json(list(items, params, '/v1/prices'));
  });
  app.get('/v1/prices/:id', (c) => {
    const price = account.prices.get(param(c, 'id'));
    if (!price) throw noSuch('price', param(c, 'id'));
    return c.json(price);
  });
  app.get('/v1/events/:id', (c) => {
    const event = account.events.find((e) => e.id === param(c, 'id'));
    if (!event) throw noSuch('evt', param(c, 'id'));
    return c.json(event);
  });
}
