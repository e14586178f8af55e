import type { CheckoutRequest, PortalRequest, SubscriptionResponse, Tier } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import type { BillingSettings } from '../../config.js';
import { AppError, notFound } from '../../errors.js';
import type { HubEventBus } from '../../events.js';
import { isoTime } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { Mailer } from '../../mail/mailer.js';
import { TIERS } from '../../tiers.js';
import type { UsersRepo } from '../users/repo.js';
import { createLimits } from './limits.js';
import { mailPlanChanges } from './notices.js';
import type { BillingRepo, SubscriptionRow } from './repo.js';
import type { StripeGateway } from './stripe-gateway.js';
import { interpret } from './webhook.js';

export interface BillingServiceDeps {
  repo: BillingRepo;
  usersRepo: UsersRepo;
  settings: BillingSettings;
  events: HubEventBus;
  mailer: Mailer;
  clock: Clock;
  log: Logger;
  publicUrl: string;
}

export function toSubscription(row: SubscriptionRow): SubscriptionResponse {
  const time = (d: Date | null) => (d ? isoTime(d) : null);
  return {
    id: row.userId, user_id: row.userId, tier: row.tier, stripe_customer_id: row.stripeCustomerId, stripe_subscription_id: row.stripeSubscriptionId,
    current_period_start: time(row.currentPeriodStart), current_period_end: time(row.currentPeriodEnd),
    token_balance: row.tokenBalance, tokens_used_this_period: row.tokensUsedThisPeriod,
    created_at: isoTime(row.createdAt), updated_at: isoTime(row.updatedAt),
  };
}

export function createBillingService(deps: BillingServiceDeps) {
  const { repo, usersRepo, clock, log } = deps;
  const limits = createLimits({ repo, clock, firstAdminId: () => usersRepo.firstAdminId() });
  mailPlanChanges({ events: deps.events, usersRepo, mailer: deps.mailer, log });
  // The Stripe SDK (about 20 MB) loads with the first billing call, not with the hub.
  let gateway: Promise<StripeGateway> | undefined;

  async function stripe(): Promise<StripeGateway> {
    const settings = deps.settings.stripe;
    if (settings) return (gateway ??= import('./stripe-gateway.js').then((m) => m.createStripeGateway(settings, deps.settings.prices)));
    throw new AppError('SERVICE_UNAVAILABLE', 'Billing is not configured on this hub', {
      details: 'Set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET to take payments; until then an administrator sets tiers', expected: true,
    });
  }

  function announce(before: SubscriptionRow | undefined, after: SubscriptionRow | undefined): void {
    if (before && after && before.tier !== after.tier) deps.events.emit('subscription.changed', { userId: after.userId, tier: after.tier });
  }

  async function customerOf(userId: string): Promise<string> {
    const row = await limits.subscription(userId);
    if (row.stripeCustomerId) return row.stripeCustomerId;
    const user = await usersRepo.findById(userId);
    if (!user) throw notFound('User', userId);
    const customer = await (await stripe()).createCustomer(user);
    await repo.setCustomer(userId, customer, clock.now());
    return customer;
  }

  return {
    limits,

    async subscription(userId: string): Promise<SubscriptionResponse> {
      return toSubscription(await limits.subscription(userId));
    },

    usage: (userId: string) => limits.usage(userId),

    async checkout(userId: string, body: CheckoutRequest): Promise<string> {
      const gw = await stripe();
      const row = await limits.subscription(userId);
      if (row.stripeSubscriptionId) {
        throw new AppError('CONFLICT', `You already have a ${row.tier} subscription`, { details: 'Change or cancel plans in the customer portal (POST /api/v1/billing/portal)' });
      }
      const customer = await customerOf(userId);
      return gw.checkoutUrl({
        customer, userId, tier: body.tier,
        successUrl: body.success_url ?? `${deps.publicUrl}/billing?success=true`, cancelUrl: body.cancel_url ?? `${deps.publicUrl}/billing`,
      });
    },

    async portal(userId: string, body: PortalRequest): Promise<string> {
      const gw = await stripe();
      return gw.portalUrl(await customerOf(userId), body.return_url ?? `${deps.publicUrl}/billing`);
    },

    /** Verifies, then applies once. Returns whether the event had been seen before. */
    async webhook(rawBody: Buffer, signature: string | undefined): Promise<{ duplicate: boolean }> {
      const gw = await stripe();
      const event = gw.verify(rawBody, signature);
      const { record, target } = await interpret(event, { repo, gateway: gw });
      const result = await repo.applyEvent(record, target, clock.now());
      announce(result.before, result.after);
      log.info({ event: event.id, type: event.type, outcome: result.outcome, user: target?.userId }, 'stripe event');
      return { duplicate: result.outcome === 'duplicate' };
    },

    /** Admin override (installs without Stripe, comped accounts); a later Stripe event for the user wins. */
    async setTier(username: string, tier: Tier): Promise<SubscriptionResponse> {
      const user = await usersRepo.findByUsername(username);
      if (!user) throw notFound('User', username);
      const before = await limits.subscription(user.id);
      const after = await repo.change(user.id, { tier, allowance: TIERS[tier].tokens_per_period }, clock.now());
      if (!after) throw notFound('User', username);
      announce(before, after);
      return toSubscription(after);
    },

    /** users.addCleanup: a deleted user's paid Stripe subscription is cancelled (best effort, logged). */
    async cancelForDeletedUser(userId: string): Promise<void> {
      const row = await repo.get(userId);
      if (!row?.stripeSubscriptionId || !deps.settings.stripe) return;
      await (await stripe()).cancel(row.stripeSubscriptionId).catch((err: unknown) =>
        log.error({ err, userId, subscription: row.stripeSubscriptionId }, 'could not cancel the Stripe subscription of a deleted user'));
    },
  };
}

export type BillingService = ReturnType<typeof createBillingService>;
