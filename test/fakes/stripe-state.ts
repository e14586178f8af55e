// The Stripe fake's account: stored objects, request validation with Stripe's error envelope,
// and the state changes (checkout completion, subscription updates) that emit webhook events.
import {
  buildCheckoutSession, buildCustomer, buildEvent, buildPortalSession, buildPrice, buildSubscription, nowSeconds, stringMap,
} from './stripe-objects.js';
import type { LineItem, PriceSpec, StripeObject } from './stripe-objects.js';

/** A Stripe API error: HTTP status plus the `error` object of the envelope. */
export class StripeApiError extends Error {
  constructor(readonly status: number, readonly error: Record<string, unknown>) {
    super(String(error.message));
  }
}

export function invalidRequest(message: string, param?: string, code?: string, status = 400): StripeApiError {
  const error: Record<string, unknown> = { type: 'invalid_request_error', message };
  if (code) {
    error.code = code;
    error.doc_url = `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;
  }
  if (param) error.param = param;
  return new StripeApiError(status, error);
}

export const missingParam = (param: string): StripeApiError =>
  invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');

const NOUNS: Record<string, string> = { cus: 'customer', price: 'price', sub: 'subscription', cs: 'checkout.session', evt: 'event' };

export function noSuch(kind: keyof typeof NOUNS, id: string, param = 'id', status = 404): StripeApiError {
  return invalidRequest(`No such ${NOUNS[kind]}: '${id}'`, param, 'resource_missing', status);
}

export class StripeAccount {
  readonly customers = new Map<string, StripeObject>();
  readonly prices = new Map<string, StripeObject>();
  readonly sessions = new Map<string, StripeObject>();
  readonly subscriptions = new Map<string, StripeObject>();
  readonly events: StripeObject[] = [];
  private readonly sessionItems = new Map<string, LineItem[]>();
  /** `subscription_data[metadata]` of each session, copied onto the subscription it creates. */
  private readonly pendingMetadata = new Map<string, Record<string, string>>();

  constructor(private readonly onEvent: (event: StripeObject) => void) {}

  addPrice(spec: PriceSpec): StripeObject {
    const price = buildPrice(spec);
    this.prices.set(price.id, price);
    return price;
  }

  createCustomer(params: Record<string, unknown>): StripeObject {
    const customer = buildCustomer(params);
    this.customers.set(customer.id, customer);
    return customer;
  }

  customer(id: string, param = 'id', status = 404): StripeObject {
    const customer = this.customers.get(id);
    if (!customer) throw noSuch('cus', id, param, status);
    return customer;
  }

  createCheckoutSession(params: Record<string, unknown>): StripeObject {
    const mode = params.mode;
    if (mode === undefined) throw missingParam('mode');
    if (!['payment', 'setup', 'subscription'].includes(String(mode))) {
      throw invalidRequest(`Invalid mode: must be one of payment, setup, or subscription`, 'mode', 'parameter_invalid_string');
    }
    if (params.customer !== undefined && params.customer_email !== undefined) {
      throw invalidRequest('You may only specify one of these parameters: customer, customer_email.', 'customer');
    }
    if (typeof params.customer === 'string') this.customer(params.customer, 'customer', 400);
    const items = this.lineItems(params.line_items);
    if (mode === 'subscription' && !items.some((item) => item.price.type === 'recurring')) {
      throw invalidRequest('You must provide at least one recurring price in `subscription` mode when using prices.', 'line_items');
    }
    const session = buildCheckoutSession(params, items);
    this.sessions.set(session.id, session);
    this.sessionItems.set(session.id, items);
    const subscriptionData = params.subscription_data as { metadata?: unknown } | undefined;
    this.pendingMetadata.set(session.id, stringMap(subscriptionData?.metadata));
    return session;
  }

  private lineItems(raw: unknown): LineItem[] {
    const list = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw) : [];
    return list.map((entry, i) => {
      const item = (entry ?? {}) as { price?: unknown; quantity?: unknown };
      if (typeof item.price !== 'string') throw missingParam(`line_items[${i}][price]`);
      const price = this.prices.get(item.price);
      if (!price) throw noSuch('price', item.price, `line_items[${i}][price]`, 400);
      return { price, quantity: item.quantity === undefined ? 1 : Number(item.quantity) };
    });
  }

  session(id: string): StripeObject {
    const session = this.sessions.get(id);
    if (!session) throw noSuch('cs', id);
    return session;
  }

  sessionLineItems(id: string): LineItem[] {
    return this.sessionItems.get(id) ?? [];
  }

  createPortalSession(params: Record<string, unknown>): StripeObject {
    if (typeof params.customer !== 'string') throw missingParam('customer');
    this.customer(params.customer, 'customer', 400);
    return buildPortalSession(params);
  }

  subscription(id: string): StripeObject {
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw noSuch('sub', id);
    return subscription;
  }

  /** What the customer finishing the hosted page causes: customer, subscription, events. */
  completeCheckout(sessionId: string, email = 'customer@example.com'): { session: StripeObject; subscription: StripeObject | null; event: StripeObject } {
    const session = this.session(sessionId);
    if (session.status !== 'open') throw new Error(`checkout session ${sessionId} is ${String(session.status)}, not open`);
    const customerId = typeof session.customer === 'string'
      ? session.customer
      : this.createCustomer({ email: session.customer_email ?? email }).id;
    let subscription: StripeObject | null = null;
    if (session.mode === 'subscription') {
      subscription = buildSubscription(customerId, this.sessionLineItems(sessionId), this.pendingMetadata.get(sessionId) ?? {});
      this.subscriptions.set(subscription.id, subscription);
      this.emit(buildEvent('customer.subscription.created', subscription));
    }
    Object.assign(session, {
      customer: customerId, status: 'complete', payment_status: 'paid', url: null,
      subscription: subscription?.id ?? null,
      customer_details: { email: this.customers.get(customerId)?.email ?? email, name: null, phone: null, tax_exempt: 'none' },
    });
    const event = buildEvent('checkout.session.completed', session);
    this.emit(event);
    return { session, subscription, event };
  }

  /** Applies changes and emits `customer.subscription.updated` with `previous_attributes`. */
  updateSubscription(id: string, changes: Record<string, unknown>): StripeObject {
    const subscription = this.subscription(id);
    const previous: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(changes)) {
      if (key === 'metadata') {
        previous.metadata = subscription.metadata;
        subscription.metadata = stringMap(value, subscription.metadata as Record<string, string>);
      } else if (subscription[key] !== value) {
        previous[key] = subscription[key];
        subscription[key] = value;
      }
    }
    if (changes.cancel_at_period_end === true) {
      const item = (subscription.items as { data: { current_period_end: number }[] }).data[0];
      subscription.cancel_at = item?.current_period_end ?? null;
    }
    if (Object.keys(previous).length > 0) this.emit(buildEvent('customer.subscription.updated', subscription, previous));
    return subscription;
  }

  /** DELETE /v1/subscriptions/:id — ends it now and emits `customer.subscription.deleted`. */
  cancelSubscription(id: string): StripeObject {
    const subscription = this.subscription(id);
    if (subscription.status === 'canceled') {
      throw invalidRequest(`No such subscription: '${id}'`, 'id', 'resource_missing', 404);
    }
    const now = nowSeconds();
    Object.assign(subscription, { status: 'canceled', canceled_at: now, ended_at: now,
      cancellation_details: { comment: null, feedback: null, reason: 'cancellation_requested' } });
    this.emit(buildEvent('customer.subscription.deleted', subscription));
    return subscription;
  }

  private emit(event: StripeObject): void {
    this.events.push(event);
    this.onEvent(event);
  }
}
