import type Stripe from 'stripe';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { parseInput } from '../../http/validation.js';

// A signature proves who sent an event, not that it is whole: the fields the hub reads are checked
// against Stripe's documented object shapes (fields Stripe always sends are required here) before
// anything is read, so a malformed event is a 400 naming the field, never a crash.
const ref = z.union([z.string().min(1), z.looseObject({ id: z.string().min(1) })]);
const metadata = z.record(z.string(), z.string());

const Envelope = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.number(),
  data: z.looseObject({ object: z.looseObject({}) }),
});

const CheckoutSession = z.looseObject({
  id: z.string().min(1),
  mode: z.string(),
  metadata,
  client_reference_id: z.string().nullish(),
  subscription: ref.nullish(),
});

/** Stripe creates a customer for every subscription checkout, so one without a customer is malformed. */
const SubscriptionCheckout = CheckoutSession.extend({ customer: ref, subscription: ref });

const Subscription = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  customer: ref,
  metadata,
  items: z.looseObject({
    data: z.array(z.looseObject({
      current_period_start: z.number().optional(),
      current_period_end: z.number().optional(),
      price: z.looseObject({ id: z.string(), lookup_key: z.string().nullish() }).optional(),
    })),
  }),
  ended_at: z.number().nullish(),
});

/** The event envelope; 400 when a field every Stripe event carries is missing. */
export function checkEvent(event: unknown): Stripe.Event {
  parseInput(Envelope, event, 'Stripe event');
  return event as Stripe.Event;
}

export function checkCheckoutSession(session: Stripe.Checkout.Session): Stripe.Checkout.Session {
  parseInput(session.mode === 'subscription' ? SubscriptionCheckout : CheckoutSession, session, 'Stripe checkout session (data.object)');
  return session;
}

export function checkSubscription(sub: Stripe.Subscription): Stripe.Subscription {
  parseInput(Subscription, sub, 'Stripe subscription (data.object)');
  return sub;
}

/** A subscription Stripe itself returned: a malformed one is Stripe's fault (502), not the sender's. */
export function checkFetchedSubscription(sub: Stripe.Subscription): Stripe.Subscription {
  const result = Subscription.safeParse(sub);
  if (result.success) return sub;
  throw new AppError('UPSTREAM_FAILED', 'Stripe returned a malformed subscription', { details: result.error.issues.map((i) => i.path.join('.')).join(', ') });
}
