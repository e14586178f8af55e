import type { Tier, UsageResponse } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import { isoTime } from '../../ids.js';
import { TIERS, limitOf, tierLifting, type LimitName } from '../../tiers.js';
import type { BillingRepo, SubscriptionRow } from './repo.js';

// Enforcement of the tier table (src/tiers.ts). Modules that own the counted things register a counter
// and call `assertCanAdd` in their create paths; a refusal is 403 TIER_LIMIT naming the limit and the
// smallest tier that lifts it. See README.md in this folder for the exact call each module makes.
export type CountLimit = 'max_datasets' | 'max_models' | 'max_deployments' | 'max_concurrent_trainings';
export type Counter = (userId: string) => Promise<number>;

const NOUN: Record<CountLimit, string> = {
  max_datasets: 'datasets', max_models: 'models', max_deployments: 'deployments', max_concurrent_trainings: 'concurrent training runs',
};

const MB = 1024 * 1024;
const megabytes = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** One calendar month later, clamped to the month's end (Jan 31 -> Feb 28), as Stripe bills. */
export function addMonth(start: Date): Date {
  const d = new Date(start);
  const day = d.getUTCDate();
  d.setUTCMonth(d.getUTCMonth() + 1);
  if (d.getUTCDate() !== day) d.setUTCDate(0);
  return d;
}

function tierLimit(tier: Tier, limit: LimitName, needed: number, message: string, details: string): AppError {
  const lifting = tierLifting(tier, limit, needed);
  const upgrade = lifting
    ? `; the ${lifting} tier lifts it (${limit === 'max_dataset_size_bytes' ? megabytes(limitOf(lifting, limit)) : limitOf(lifting, limit)})`
    : '; no tier allows more (ask an administrator)';
  return new AppError('TIER_LIMIT', `${message}${upgrade}`, { details: `${details}. Limit: ${limit}; tier: ${tier}${lifting ? `; upgrade to: ${lifting}` : ''}` });
}

export interface LimitsDeps {
  repo: BillingRepo;
  clock: Clock;
  /** The first admin (earliest still an admin): no tier limit ever stops the hub's administrator. */
  firstAdminId?: () => Promise<string | undefined>;
}

export function createLimits(deps: LimitsDeps) {
  const { repo, clock } = deps;
  const unlimited = async (userId: string) => (await deps.firstAdminId?.()) === userId;
  const counters = new Map<CountLimit, Counter>();
  const allowance = (tier: Tier) => TIERS[tier].tokens_per_period;

  /** The user's subscription with its current period started (usage reset when a period has ended). */
  async function subscription(userId: string): Promise<SubscriptionRow> {
    const row = await repo.rollPeriod(userId, clock.now(), allowance, addMonth);
    if (!row) throw new Error(`no subscription row for ${userId}`);
    return row;
  }

  async function count(userId: string, limit: CountLimit): Promise<number> {
    return (await counters.get(limit)?.(userId)) ?? 0;
  }

  async function assertWithin(userId: string, limit: CountLimit, currentCount: number): Promise<void> {
    const { tier } = await subscription(userId);
    const max = TIERS[tier][limit];
    if (currentCount < max || await unlimited(userId)) return;
    throw tierLimit(tier, limit, currentCount + 1,
      `Tier limit reached: the ${tier} tier allows ${max} ${NOUN[limit]} (${limit})`, `You have ${currentCount} of ${max}`);
  }

  return {
    allowance,
    subscription,
    count,

    /** The module owning a counted thing reports how many a user has (e.g. datasets owned, runs active). */
    registerCounter(limit: CountLimit, counter: Counter): void {
      counters.set(limit, counter);
    },

    /** Refuses adding one more when the user already has `currentCount` (the tier's maximum or more). */
    assertWithin,

    /** `assertWithin` with the count from the registered counter. */
    async assertCanAdd(userId: string, limit: CountLimit): Promise<void> {
      if (!counters.has(limit)) throw new Error(`no counter registered for ${limit}`);
      await assertWithin(userId, limit, await count(userId, limit));
    },

    /** Refuses a dataset file larger than the tier allows. */
    async assertSize(userId: string, sizeBytes: number): Promise<void> {
      const { tier } = await subscription(userId);
      const max = TIERS[tier].max_dataset_size_bytes;
      if (sizeBytes <= max || await unlimited(userId)) return;
      throw tierLimit(tier, 'max_dataset_size_bytes', sizeBytes,
        `Dataset too large for the ${tier} tier: ${megabytes(sizeBytes)} is over ${megabytes(max)} (max_dataset_size_bytes)`,
        `The dataset is ${sizeBytes} bytes; the ${tier} tier allows ${max}`);
    },

    /** Refuses language-model work when the period's token balance is spent. */
    async assertTokens(userId: string): Promise<SubscriptionRow> {
      const row = await subscription(userId);
      if (row.tokenBalance > 0 || await unlimited(userId)) return row;
      const renews = row.currentPeriodEnd ? `; it renews on ${isoTime(row.currentPeriodEnd)}` : '';
      throw tierLimit(row.tier, 'agent_tokens', row.tokensUsedThisPeriod + 1,
        `Agent token balance used up: the ${row.tier} tier allows ${allowance(row.tier)} tokens per period (agent_tokens)`,
        `${row.tokensUsedThisPeriod} tokens used this period${renews}`);
    },

    /** Records language-model tokens against the user's balance. */
    async charge(userId: string, tokens: number): Promise<void> {
      if (tokens <= 0) return;
      await subscription(userId);
      await repo.charge(userId, Math.ceil(tokens), clock.now());
    },

    async usage(userId: string): Promise<UsageResponse> {
      const row = await subscription(userId);
      const t = TIERS[row.tier];
      return {
        tier: row.tier, token_balance: row.tokenBalance, tokens_used: row.tokensUsedThisPeriod, tokens_limit: t.tokens_per_period,
        percentage_used: Math.round((1000 * row.tokensUsedThisPeriod) / t.tokens_per_period) / 10,
        max_concurrent_trainings: t.max_concurrent_trainings, max_datasets: t.max_datasets, max_models: t.max_models,
        max_deployments: t.max_deployments, max_dataset_size_bytes: t.max_dataset_size_bytes,
        datasets_count: await count(userId, 'max_datasets'), models_count: await count(userId, 'max_models'),
        deployments_count: await count(userId, 'max_deployments'), active_trainings: await count(userId, 'max_concurrent_trainings'),
      };
    },
  };
}

export type Limits = ReturnType<typeof createLimits>;
