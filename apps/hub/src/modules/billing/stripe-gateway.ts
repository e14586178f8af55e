import Stripe from 'stripe';
import type { PaidTier, Tier } from '@prometheus/protocol';
import type { BillingSettings } from '../../config.js';
import { AppError } from '../../errors.js';

// The hub's side of Stripe: one SDK client (pointed elsewhere by STRIPE_API_URL in tests), the price of
// each paid tier, and Stripe failures turned into the hub's errors.
export type StripeSettings = NonNullable<BillingSettings['stripe']>;

/** Stripe's own default: a signature older than 5 minutes is refused (replay protection). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export function upstream(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof Stripe.errors.StripeConnectionError) {
    return new AppError('UPSTREAM_FAILED', 'Could not reach Stripe', { details: message, cause: err });
  }
  return new AppError('UPSTREAM_FAILED', 'Stripe refused the request', { details: message, cause: err });
}

export function createStripeGateway(stripeSettings: StripeSettings, prices: BillingSettings['prices']) {
  const stripe = new Stripe(stripeSettings.secretKey, {
    ...(stripeSettings.api ?? {}), maxNetworkRetries: 2, timeout: 20_000, appInfo: { name: 'Prometheus hub' },
  });
  const resolved = new Map<PaidTier, string>();

  /** STRIPE_PRICE_<TIER> is a price id, or a lookup key resolved once to the active price carrying it. */
  async function priceFor(tier: PaidTier): Promise<string> {
    const ref = prices[tier];
    if (ref.startsWith('price_')) return ref;
    const known = resolved.get(tier);
    if (known) return known;
    const found = await stripe.prices.list({ lookup_keys: [ref], active: true, limit: 1 }).catch((err: unknown) => {
      throw upstream(err);
    });
    const price = found.data[0];
    if (!price) {
      throw new AppError('SERVICE_UNAVAILABLE', `No Stripe price is set up for the ${tier} tier`, {
        details: `No active price has lookup key '${ref}'; create one or set STRIPE_PRICE_${tier.toUpperCase()} to a price id`,
      });
    }
    resolved.set(tier, price.id);
    return price.id;
  }

  /** The tier a Stripe price stands for: its id or lookup key as configured. */
  function tierOfPrice(price: { id: string; lookup_key?: string | null } | undefined): Tier | undefined {
    if (!price) return undefined;
    return (['pro', 'enterprise'] as const).find((t) => prices[t] === price.id || prices[t] === price.lookup_key || resolved.get(t) === price.id);
  }

  return {
    stripe,
    priceFor,
    tierOfPrice,

    async createCustomer(user: { id: string; email: string; username: string }): Promise<string> {
      // The idempotency key makes a retried or doubled first checkout create one customer, not two.
      const customer = await stripe.customers.create(
        { email: user.email, name: user.username, metadata: { user_id: user.id } },
        { idempotencyKey: `prometheus-customer-${user.id}` },
      ).catch((err: unknown) => {
        throw upstream(err);
      });
      return customer.id;
    },

    async checkoutUrl(p: { customer: string; userId: string; tier: PaidTier; successUrl: string; cancelUrl: string }): Promise<string> {
      const metadata = { user_id: p.userId, tier: p.tier };
      const session = await stripe.checkout.sessions.create({
        mode: 'subscription', customer: p.customer, client_reference_id: p.userId,
        line_items: [{ price: await priceFor(p.tier), quantity: 1 }],
        success_url: p.successUrl, cancel_url: p.cancelUrl, metadata, subscription_data: { metadata },
      }).catch((err: unknown) => {
        throw upstream(err);
      });
      if (!session.url) throw new AppError('UPSTREAM_FAILED', 'Stripe returned a checkout session without a URL', { details: session.id });
      return session.url;
    },

    async portalUrl(customer: string, returnUrl: string): Promise<string> {
      const session = await stripe.billingPortal.sessions.create({ customer, return_url: returnUrl }).catch((err: unknown) => {
        throw upstream(err);
      });
      return session.url;
    },

    async subscription(id: string): Promise<Stripe.Subscription> {
      return stripe.subscriptions.retrieve(id).catch((err: unknown) => {
        throw upstream(err);
      });
    },

    async cancel(id: string): Promise<void> {
      await stripe.subscriptions.cancel(id).catch((err: unknown) => {
        throw upstream(err);
      });
    },

    /** Verifies `Stripe-Signature` over the exact raw body; a forged, stale or missing signature is a 400. */
    verify(rawBody: Buffer, signature: string | undefined): Stripe.Event {
      if (!signature) throw new AppError('BAD_REQUEST', 'Missing Stripe-Signature header', { details: 'Webhooks must come from Stripe, signed' });
      try {
        return stripe.webhooks.constructEvent(rawBody, signature, stripeSettings.webhookSecret, WEBHOOK_TOLERANCE_SECONDS);
      } catch (err) {
        throw new AppError('BAD_REQUEST', 'Invalid Stripe signature', { details: (err as Error).message, cause: err });
      }
    },
  };
}

export type StripeGateway = ReturnType<typeof createStripeGateway>;
