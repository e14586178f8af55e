import type Stripe from 'stripe';
import { Tier } from '@prometheus/protocol';
import { TIERS } from '../../tiers.js';
import { addMonth } from './limits.js';
import type { BillingRepo, StripeEventRecord, SubscriptionChange, SubscriptionRow } from './repo.js';
import type { StripeGateway } from './stripe-gateway.js';
import { checkCheckoutSession, checkEvent, checkFetchedSubscription, checkSubscription } from './stripe-shapes.js';

// What a verified Stripe event means for a subscription row. Only the three contract events change
// anything; the row is found by the Stripe subscription id (or, for a first subscription, the user id the
// checkout put in its metadata), so an event about an old, replaced subscription cannot downgrade a user.
export interface Interpretation {
  record: StripeEventRecord;
  target?: { userId: string; change: SubscriptionChange };
}

const ENTITLED: readonly Stripe.Subscription.Status[] = ['active', 'trialing', 'past_due'];
const ENDED: readonly Stripe.Subscription.Status[] = ['canceled', 'unpaid', 'incomplete_expired', 'paused'];

const idOf = (v: string | { id: string } | null | undefined): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : v.id);
const seconds = (s: number) => new Date(s * 1000);

function period(sub: Stripe.Subscription): { start: Date; end: Date } | undefined {
  const item = sub.items.data[0];
  const known = item && typeof item.current_period_start === 'number' && typeof item.current_period_end === 'number';
  return known ? { start: seconds(item.current_period_start), end: seconds(item.current_period_end) } : undefined;
}

/** The price decides (a plan change in the portal changes the price, not our metadata); metadata is the fallback. */
function tierOf(sub: Stripe.Subscription, gateway: StripeGateway, hint?: string): Tier | undefined {
  const byPrice = gateway.tierOfPrice(sub.items.data[0]?.price);
  if (byPrice) return byPrice;
  const fromMetadata = Tier.safeParse(hint ?? sub.metadata?.tier);
  return fromMetadata.success && fromMetadata.data !== 'free' ? fromMetadata.data : undefined;
}

function entitledChange(sub: Stripe.Subscription, row: SubscriptionRow, tier: Tier | undefined): SubscriptionChange {
  const status = sub.status;
  const next: Tier = ENDED.includes(status) ? 'free' : ENTITLED.includes(status) ? tier ?? row.tier : row.tier;
  const p = period(sub);
  return {
    tier: next, stripeCustomerId: idOf(sub.customer), stripeSubscriptionId: status === 'canceled' ? null : sub.id,
    ...(p ? { period: p } : {}), allowance: TIERS[next].tokens_per_period,
  };
}

export async function interpret(unchecked: Stripe.Event, deps: { repo: BillingRepo; gateway: StripeGateway }): Promise<Interpretation> {
  const { repo, gateway } = deps;
  const event = checkEvent(unchecked);
  const base = { id: event.id, type: event.type, created: event.created };
  switch (event.type) {
    case 'checkout.session.completed': {
      const session = checkCheckoutSession(event.data.object);
      const subId = idOf(session.subscription);
      const userId = session.client_reference_id ?? session.metadata?.user_id;
      if (session.mode !== 'subscription' || !subId || !userId) return { record: { ...base, objectId: session.id } };
      const row = await repo.get(userId);
      if (!row) return { record: { ...base, objectId: subId } };
      const sub = checkFetchedSubscription(await gateway.subscription(subId));
      return { record: { ...base, objectId: subId }, target: { userId, change: entitledChange(sub, row, tierOf(sub, gateway, session.metadata?.tier)) } };
    }
    case 'customer.subscription.updated': {
      const sub = checkSubscription(event.data.object);
      const row = await repo.findByStripeSubscription(sub.id) ?? await adoptable(repo, sub);
      if (!row) return { record: { ...base, objectId: sub.id } };
      return { record: { ...base, objectId: sub.id }, target: { userId: row.userId, change: entitledChange(sub, row, tierOf(sub, gateway)) } };
    }
    case 'customer.subscription.deleted': {
      const sub = checkSubscription(event.data.object);
      const row = await repo.findByStripeSubscription(sub.id);
      if (!row) return { record: { ...base, objectId: sub.id } };
      const start = seconds(sub.ended_at ?? event.created);
      return {
        record: { ...base, objectId: sub.id },
        target: { userId: row.userId, change: { tier: 'free', stripeSubscriptionId: null, period: { start, end: addMonth(start) }, allowance: TIERS.free.tokens_per_period } },
      };
    }
    default:
      return { record: { ...base, objectId: null } };
  }
}

/** A subscription event that arrives before checkout completion: the user named in its metadata, if they have none yet. */
async function adoptable(repo: BillingRepo, sub: Stripe.Subscription): Promise<SubscriptionRow | undefined> {
  const userId = sub.metadata?.user_id;
  const row = userId ? await repo.get(userId) : undefined;
  return row && row.stripeSubscriptionId === null ? row : undefined;
}
