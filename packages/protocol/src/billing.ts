import { z } from 'zod';
import { IsoTime, Tier } from './common.js';

// Billing & Subscriptions (docs/api.md): the user's subscription, Stripe checkout and portal, usage.
export const SubscriptionResponse = z.object({
  id: z.string(),
  user_id: z.string(),
  tier: Tier,
  stripe_customer_id: z.string().nullable(),
  stripe_subscription_id: z.string().nullable(),
  current_period_start: IsoTime.nullable(),
  current_period_end: IsoTime.nullable(),
  token_balance: z.number().int(),
  tokens_used_this_period: z.number().int(),
  created_at: IsoTime,
  updated_at: IsoTime,
});
export type SubscriptionResponse = z.infer<typeof SubscriptionResponse>;

const HttpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const PaidTier = z.enum(['pro', 'enterprise'], { error: "must be 'pro' or 'enterprise'" });
export type PaidTier = z.infer<typeof PaidTier>;

export const CheckoutRequest = z.object({
  tier: PaidTier,
  /** Where Stripe sends the user after paying; defaults to `<PUBLIC_URL>/billing?success=true`. */
  success_url: HttpUrl.optional(),
  cancel_url: HttpUrl.optional(),
}).strict();
export type CheckoutRequest = z.infer<typeof CheckoutRequest>;

export const CheckoutResponse = z.object({ checkout_url: z.string() });

/** The contract sends no body; `return_url` may be given (defaults to `<PUBLIC_URL>/billing`). */
export const PortalRequest = z.object({ return_url: HttpUrl.optional() }).strict();
export type PortalRequest = z.infer<typeof PortalRequest>;

export const PortalResponse = z.object({ portal_url: z.string() });

export const UsageResponse = z.object({
  tier: Tier,
  token_balance: z.number().int(),
  tokens_used: z.number().int(),
  tokens_limit: z.number().int(),
  percentage_used: z.number(),
  max_concurrent_trainings: z.number().int(),
  max_datasets: z.number().int(),
  max_models: z.number().int(),
  max_deployments: z.number().int(),
  max_dataset_size_bytes: z.number().int(),
  /** Addition to the contract: what the user has now, counted in the store. */
  datasets_count: z.number().int(),
  models_count: z.number().int(),
  deployments_count: z.number().int(),
  active_trainings: z.number().int(),
});
export type UsageResponse = z.infer<typeof UsageResponse>;

export const WebhookResponse = z.object({ received: z.literal(true), duplicate: z.boolean() });

/** Addition to the contract: an admin sets a user's tier by hand (installs without Stripe, comped accounts). */
export const SetTierRequest = z.object({ tier: Tier }).strict();
