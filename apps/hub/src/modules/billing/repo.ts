import type { Tier } from '@prometheus/protocol';
import { and, eq, gt, sql, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.js';
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

/** `max(0, x)` in SQL both engines read (SQLite's two-argument max is PostgreSQL's greatest). */
const atLeastZero = (x: SQL) => sql`case when ${x} > 0 then ${x} else 0 end`;

export function createBillingRepo(db: Db) {
  const byUser = (userId: string) => eq(subscriptions.userId, userId);

  /** A new period resets usage; otherwise the balance is what the (new) allowance leaves after this period's use. */
  async function change(tx: Tx | Db, userId: string, c: SubscriptionChange, now: Date): Promise<SubscriptionRow | undefined> {
    const before = (await tx.select().from(subscriptions).where(byUser(userId)))[0];
    if (!before) return undefined;
    const newPeriod = c.period !== undefined && before.currentPeriodStart?.getTime() !== c.period.start.getTime();
    return (await tx.update(subscriptions).set({
      tier: c.tier,
      ...(c.stripeCustomerId !== undefined ? { stripeCustomerId: c.stripeCustomerId } : {}),
      ...(c.stripeSubscriptionId !== undefined ? { stripeSubscriptionId: c.stripeSubscriptionId } : {}),
      ...(c.period ? { currentPeriodStart: c.period.start, currentPeriodEnd: c.period.end } : {}),
      ...(newPeriod
        ? { tokensUsedThisPeriod: 0, tokenBalance: c.allowance }
        : { tokenBalance: atLeastZero(sql`${c.allowance} - ${subscriptions.tokensUsedThisPeriod}`) }),
      updatedAt: now,
    }).where(byUser(userId)).returning())[0];
  }

  return {
    async get(userId: string): Promise<SubscriptionRow | undefined> {
      return (await db.select().from(subscriptions).where(byUser(userId)))[0];
    },
    async findByStripeSubscription(id: string): Promise<SubscriptionRow | undefined> {
      return (await db.select().from(subscriptions).where(eq(subscriptions.stripeSubscriptionId, id)))[0];
    },
    async findByStripeCustomer(id: string): Promise<SubscriptionRow | undefined> {
      return (await db.select().from(subscriptions).where(eq(subscriptions.stripeCustomerId, id)))[0];
    },
    async setCustomer(userId: string, customerId: string, now: Date): Promise<void> {
      await db.update(subscriptions).set({ stripeCustomerId: customerId, updatedAt: now }).where(byUser(userId));
    },

    /**
     * Starts the period that contains `now` when the stored one is missing or over: usage back to 0, the
     * balance back to the allowance. One transaction, so two requests cannot both reset.
     */
    async rollPeriod(userId: string, now: Date, allowance: (tier: Tier) => number, nextEnd: (start: Date) => Date): Promise<SubscriptionRow | undefined> {
      return db.transaction(async (tx) => {
        const row = (await tx.select().from(subscriptions).where(byUser(userId)))[0];
        if (!row) {
          // Every account gets its Free row at creation; this covers rows lost to manual database edits. Two
          // requests can both find none (PostgreSQL's transactions do not serialize): the second takes the first's.
          const [inserted] = await tx.insert(subscriptions).values({
            userId, tier: 'free', currentPeriodStart: now, currentPeriodEnd: nextEnd(now), tokenBalance: allowance('free'), createdAt: now, updatedAt: now,
          }).onConflictDoNothing({ target: subscriptions.userId }).returning();
          return inserted ?? (await tx.select().from(subscriptions).where(byUser(userId)))[0];
        }
        if (row.currentPeriodEnd && row.currentPeriodEnd > now) return row;
        let start = row.currentPeriodEnd ?? now;
        while (nextEnd(start) <= now) start = nextEnd(start);
        return (await tx.update(subscriptions).set({
          currentPeriodStart: start, currentPeriodEnd: nextEnd(start), tokensUsedThisPeriod: 0, tokenBalance: allowance(row.tier), updatedAt: now,
        }).where(byUser(userId)).returning())[0];
      });
    },

    /** Spends agent tokens: the balance never goes below 0, the used count records everything. */
    async charge(userId: string, tokens: number, now: Date): Promise<SubscriptionRow | undefined> {
      return (await db.update(subscriptions).set({
        tokensUsedThisPeriod: sql`${subscriptions.tokensUsedThisPeriod} + ${tokens}`,
        tokenBalance: atLeastZero(sql`${subscriptions.tokenBalance} - ${tokens}`),
        updatedAt: now,
      }).where(byUser(userId)).returning())[0];
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
      return db.transaction(async (tx) => {
        // The event id is claimed first: a replica handling the same delivery waits on it, then finds it taken.
        const claimed = await tx.insert(stripeEvents).values({ ...event, outcome: 'ignored', receivedAt: now })
          .onConflictDoNothing().returning({ id: stripeEvents.id });
        if (claimed.length === 0) return { outcome: 'duplicate' as const };
        const newer = event.objectId
          ? (await tx.select({ id: stripeEvents.id }).from(stripeEvents)
            .where(and(eq(stripeEvents.objectId, event.objectId), eq(stripeEvents.outcome, 'applied'), gt(stripeEvents.created, event.created))))[0]
          : undefined;
        const before = target ? (await tx.select().from(subscriptions).where(byUser(target.userId)))[0] : undefined;
        const outcome = newer ? 'stale' as const : before && target ? 'applied' as const : 'ignored' as const;
        const after = outcome === 'applied' && target ? await change(tx, target.userId, target.change, now) : undefined;
        if (outcome !== 'ignored') await tx.update(stripeEvents).set({ outcome }).where(eq(stripeEvents.id, event.id));
        return { outcome, ...(before ? { before } : {}), ...(after ? { after } : {}) };
      });
    },
  };
}

export type BillingRepo = ReturnType<typeof createBillingRepo>;
