// Stripe API objects as the API reference shapes them for the SDK's pinned version (stripe v23,
// API 2026-10-28): prefixed ids, `object` names, epoch-second times, `livemode: false`. Since
// API 2025-03-31 the billing period lives on subscription items, not on the subscription.
import { randomBytes } from 'node:crypto';

export type StripeObject = Record<string, unknown> & { id: string; object: string };

export function stripeId(prefix: string, length = 24): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  return `${prefix}_${[...bytes].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export interface PriceSpec {
  id?: string;
  lookup_key?: string;
  unit_amount: number;
  currency?: string;
  /** Recurring interval; null makes a one-time price. */
  interval?: 'day' | 'week' | 'month' | 'year' | null;
  product?: string;
  nickname?: string;
  metadata?: Record<string, string>;
  active?: boolean;
}

export function buildPrice(spec: PriceSpec): StripeObject {
  const interval = spec.interval === undefined ? 'month' : spec.interval;
  return {
    id: spec.id ?? stripeId('price'),
    object: 'price',
    active: spec.active ?? true,
    billing_scheme: 'per_unit',
    created: nowSeconds(),
    currency: spec.currency ?? 'usd',
    custom_unit_amount: null,
    livemode: false,
    lookup_key: spec.lookup_key ?? null,
    metadata: spec.metadata ?? {},
    nickname: spec.nickname ?? null,
    product: spec.product ?? stripeId('prod', 14),
    recurring: interval
      ? { interval, interval_count: 1, meter: null, trial_period_days: null, usage_type: 'licensed' }
      : null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: interval ? 'recurring' : 'one_time',
    unit_amount: spec.unit_amount,
    unit_amount_decimal: String(spec.unit_amount),
  };
}

export function buildCustomer(params: Record<string, unknown>): StripeObject {
  return {
    id: stripeId('cus', 14),
    object: 'customer',
    address: null,
    balance: 0,
    created: nowSeconds(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: params.description ?? null,
    email: params.email ?? null,
    invoice_prefix: randomBytes(4).toString('hex').toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: stringMap(params.metadata),
    name: params.name ?? null,
    phone: params.phone ?? null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
}

export interface LineItem {
  price: StripeObject;
  quantity: number;
}

export function buildCheckoutSession(params: Record<string, unknown>, items: LineItem[]): StripeObject {
  const id = stripeId('cs_test', 58);
  const amount = items.reduce((sum, item) => sum + Number(item.price.unit_amount) * item.quantity, 0);
  return {
    id,
    object: 'checkout.session',
    amount_subtotal: amount,
    amount_total: amount,
    cancel_url: params.cancel_url ?? null,
    client_reference_id: params.client_reference_id ?? null,
    created: nowSeconds(),
    currency: items[0]?.price.currency ?? null,
    customer: params.customer ?? null,
    customer_creation: params.customer ? null : 'always',
    customer_details: null,
    customer_email: params.customer_email ?? null,
    expires_at: nowSeconds() + 24 * 3600,
    invoice: null,
    livemode: false,
    locale: params.locale ?? null,
    metadata: stringMap(params.metadata),
    mode: params.mode,
    payment_intent: null,
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    status: 'open',
    subscription: null,
    success_url: params.success_url ?? null,
    ui_mode: 'hosted',
    url: `https://checkout.stripe.com/c/pay/${id}#${randomBytes(24).toString('base64url')}`,
  };
}

export function buildPortalSession(params: Record<string, unknown>): StripeObject {
  return {
    id: stripeId('bps', 24),
    object: 'billing_portal.session',
    configuration: stripeId('bpc', 24),
    created: nowSeconds(),
    customer: params.customer,
    flow: null,
    livemode: false,
    locale: params.locale ?? null,
    on_behalf_of: null,
    return_url: params.return_url ?? null,
    url: `https://billing.stripe.com/p/session/test_${randomBytes(30).toString('base64url')}`,
  };
}

/** Adds one billing interval to an epoch-second time (calendar months/years, like Stripe). */
export function addInterval(start: number, interval: string): number {
  const date = new Date(start * 1000);
  if (interval === 'year') date.setUTCFullYear(date.getUTCFullYear() + 1);
  else if (interval === 'month') date.setUTCMonth(date.getUTCMonth() + 1);
  else if (interval === 'week') date.setUTCDate(date.getUTCDate() + 7);
  else date.setUTCDate(date.getUTCDate() + 1);
  return Math.floor(date.getTime() / 1000);
}

export function buildSubscription(customer: string, items: LineItem[], metadata: Record<string, string>): StripeObject {
  const id = stripeId('sub', 24);
  const start = nowSeconds();
  return {
    id,
    object: 'subscription',
    automatic_tax: { enabled: false, liability: null },
    billing_cycle_anchor: start,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: 'charge_automatically',
    created: start,
    currency: items[0]?.price.currency ?? 'usd',
    customer,
    default_payment_method: null,
    description: null,
    ended_at: null,
    items: {
      object: 'list',
      data: items.map((item) => ({
        id: stripeId('si', 14),
        object: 'subscription_item',
        created: start,
        current_period_start: start,
        current_period_end: addInterval(start, String((item.price.recurring as { interval?: string } | null)?.interval ?? 'month')),
        metadata: {},
        price: item.price,
        quantity: item.quantity,
        subscription: id,
      })),
      has_more: false,
      total_count: items.length,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: stripeId('in', 24),
    livemode: false,
    metadata,
    start_date: start,
    status: 'active',
    trial_end: null,
    trial_start: null,
  };
}

export function buildEvent(type: string, object: StripeObject, previous?: Record<string, unknown>): StripeObject {
  return {
    id: stripeId('evt', 24),
    object: 'event',
    api_version: '2026-10-28.endive',
    created: nowSeconds(),
    data: previous ? { object: structuredClone(object), previous_attributes: previous } : { object: structuredClone(object) },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

/** Stripe metadata: string values; an empty string removes the key. */
export function stringMap(value: unknown, base: Record<string, string> = {}): Record<string, string> {
  const out = { ...base };
  if (typeof value !== 'object' || value === null) return out;
  for (const [key, v] of Object.entries(value)) {
    if (v === '' || v === null) delete out[key];
    else out[key] = String(v);
  }
  return out;
}
