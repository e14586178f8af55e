import type { Tier } from '@prometheus/protocol';
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { stripeEvents, subscriptions } from '../../db/schema/index.js';

export type SubscriptionRow = typeof subscriptions.$inferSelect;

/** What a Stripe event (or an admin) changes on a subscription; token figures follow from it in SQL. */
export interface SubscriptionChange {
  tier: Tier;
  stripeCustomerId?: string | null;
  stripeSubscriptionId?: string | null;
  period?: { start: Date; end: Date };
  /** The tier's per-period token allowance. */
  allowance: number;
}

export interface StripeEventRecord {
  id: string;
  type: string;
  objectId: string | null;
  created: number;
}

export type EventOutcome = 'applied' | 'ignored' | 'stale' | 'duplicate';

export function createBillingRepo(db: Db) {
  type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
  const byUser = (userId: string) => eq(subscriptions.userId, userId);

  /** A new period resets usage; otherwise the balance is what the (new) allowance leaves after this period's use. */
  function change(tx: Tx | Db, userId: string, c: SubscriptionChange, now: Date): SubscriptionRow | undefined {
    const before = tx.select().from(subscriptions).where(byUser(userId)).get();
    if (!before) return undefined;
    const newPeriod = c.period !== undefined && before.currentPeriodStart?.getTime() !== c.period.start.getTime();
    return tx.update(subscriptions).set({
      tier: c.tier,
      ...(c.stripeCustomerId !== undefined ? { stripeCustomerId: c.stripeCustomerId } : {}),
      ...(c.stripeSubscriptionId !== undefined ? { stripeSubscriptionId: c.stripeSubscriptionId } : {}),
      ...(c.period ? { currentPeriodStart: c.period.start, currentPeriodEnd: c.period.end } : {}),
      ...(newPeriod
        ? { tokensUsedThisPeriod: 0, tokenBalance: c.allowance }
        : { tokenBalance: sql`max(0, ${c.allowance} - ${subscriptions.tokensUsedThisPeriod})` }),
      updatedAt: now,
    }).where(byUser(userId)).returning().get();
  }

  return {
    async get(userId: string): Promise<SubscriptionRow | undefined> {
      return db.select().from(subscriptions).where(byUser(userId)).get();
    },
    async findByStripeSubscription(id: string): Promise<SubscriptionRow | undefined> {
      return db.select().from(subscriptions).where(eq(subscriptions.stripeSubscriptionId, id)).get();
    },
    async findByStripeCustomer(id: string): Promise<SubscriptionRow | undefined> {
      return db.select().from(subscriptions).where(eq(subscriptions.stripeCustomerId, id)).get();
    },
    async setCustomer(userId: string, customerId: string, now: Date): Promise<void> {
      db.update(subscriptions).set({ stripeCustomerId: customerId, updatedAt: now }).where(byUser(userId)).run();
    },

    /**
     * Starts the period that contains `now` when the stored one is missing or over: usage back to 0, the
     * balance back to the allowance. One transaction, so two requests cannot both reset.
     */
    async rollPeriod(userId: string, now: Date, allowance: (tier: Tier) => number, nextEnd: (start: Date) => Date): Promise<SubscriptionRow | undefined> {
      return db.transaction((tx) => {
        const row = tx.select().from(subscriptions).where(byUser(userId)).get();
        if (!row) {
          // Every account gets its Free row at creation; this covers rows lost to manual database edits.
          return tx.insert(subscriptions).values({
            userId, tier: 'free', currentPeriodStart: now, currentPeriodEnd: nextEnd(now), tokenBalance: allowance('free'), createdAt: now, updatedAt: now,
          }).returning().get();
        }
        if (row.currentPeriodEnd && row.currentPeriodEnd > now) return row;
        let start = row.currentPeriodEnd ?? now;
        while (nextEnd(start) <= now) start = nextEnd(start);
        return tx.update(subscriptions).set({
          currentPeriodStart: start, currentPeriodEnd: nextEnd(start), tokensUsedThisPeriod: 0, tokenBalance: allowance(row.tier), updatedAt: now,
        }).where(byUser(userId)).returning().get();
      });
    },

    /** Spends agent tokens: the balance never goes below 0, the used count records everything. */
    async charge(userId: string, tokens: number, now: Date): Promise<SubscriptionRow | undefined> {
      return db.update(subscriptions).set({
        tokensUsedThisPeriod: sql`${subscriptions.tokensUsedThisPeriod} + ${tokens}`,
        tokenBalance: sql`max(0, ${subscriptions.tokenBalance} - ${tokens})`,
        updatedAt: now,
      }).where(byUser(userId)).returning().get();
    },

    async change(userId: string, c: SubscriptionChange, now: Date): Promise<SubscriptionRow | undefined> {
      return change(db, userId, c, now);
    },

    /**
     * Applies a Stripe event once: a known event id is a duplicate, an event older than one already applied
     * to the same object is stale; either way nothing changes. The change and the record are one transaction.
     */
    async applyEvent(event: StripeEventRecord, target: { userId: string; change: SubscriptionChange } | undefined, now: Date):
      Promise<{ outcome: EventOutcome; before?: SubscriptionRow; after?: SubscriptionRow }> {
      return db.transaction((tx) => {
        if (tx.select({ id: stripeEvents.id }).from(stripeEvents).where(eq(stripeEvents.id, event.id)).get()) return { outcome: 'duplicate' as const };
        const newer = event.objectId
          ? tx.select({ id: stripeEvents.id }).from(stripeEvents)
            .where(and(eq(stripeEvents.objectId, event.objectId), eq(stripeEvents.outcome, 'applied'), gt(stripeEvents.created, event.created))).get()
          : undefined;
        const before = target ? tx.select().from(subscriptions).where(byUser(target.userId)).get() : undefined;
        const outcome = newer ? 'stale' as const : before && target ? 'applied' as const : 'ignored' as const;
        const after = outcome === 'applied' && target ? change(tx, target.userId, target.change, now) : undefined;
        tx.insert(stripeEvents).values({ ...event, outcome, receivedAt: now }).run();
        return { outcome, ...(before ? { before } : {}), ...(after ? { after } : {}) };
      });
    },
  };
}

export type BillingRepo = ReturnType<typeof createBillingRepo>;
