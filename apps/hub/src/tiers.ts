import type { Tier } from '@prometheus/protocol';

// The one table of subscription tiers and what each allows. Billing reports it (GET /billing/usage) and the
// limits service enforces it (modules/billing/limits.ts); the pro row is the contract's example.
export interface TierLimits {
  /** Datasets a user may own (uploads and connector imports; edge datasets count but are never refused). */
  max_datasets: number;
  /** Largest single dataset file, in bytes. */
  max_dataset_size_bytes: number;
  /** Trained models a user may keep. */
  max_models: number;
  /** Active deployments a user may have. */
  max_deployments: number;
  /** Training runs of a user running or queued at once. */
  max_concurrent_trainings: number;
  /** PrometheusForge agent tokens per billing period. */
  tokens_per_period: number;
}

const MB = 1024 * 1024;

export const TIERS: Record<Tier, TierLimits> = {
  free: {
    max_datasets: 5, max_dataset_size_bytes: 50 * MB, max_models: 3, max_deployments: 1, max_concurrent_trainings: 1,
    tokens_per_period: 10_000,
  },
  pro: {
    max_datasets: 50, max_dataset_size_bytes: 500 * MB, max_models: 25, max_deployments: 10, max_concurrent_trainings: 5,
    tokens_per_period: 50_000,
  },
  enterprise: {
    max_datasets: 1000, max_dataset_size_bytes: 10 * 1024 * MB, max_models: 500, max_deployments: 200, max_concurrent_trainings: 20,
    tokens_per_period: 1_000_000,
  },
};

export type LimitName = Exclude<keyof TierLimits, 'tokens_per_period'> | 'agent_tokens';

/** Tiers from smallest to largest: the order in which an upgrade lifts a limit. */
export const TIER_ORDER: readonly Tier[] = ['free', 'pro', 'enterprise'];

/** The value of a limit on a tier (`agent_tokens` is the per-period token allowance). */
export function limitOf(tier: Tier, limit: LimitName): number {
  const row = TIERS[tier];
  return limit === 'agent_tokens' ? row.tokens_per_period : row[limit];
}

/** The smallest tier above `tier` whose value of `limit` is larger than `needed`, if any. */
export function tierLifting(tier: Tier, limit: LimitName, needed: number): Tier | undefined {
  return TIER_ORDER.slice(TIER_ORDER.indexOf(tier) + 1).find((t) => limitOf(t, limit) >= needed);
}
