import { z } from 'zod';

// Watching models in the field (additions): the training distribution a model package carries, the hourly
// histograms agents send back for drift, and the paired scores of a shadow model beside the live one.
// The REST side (drift reports, shadow comparison) is in deployments-watch.ts.

/** Fixed bins: interior edges ascending (end bins open), the training share of each bin (edges + 1 entries). */
const binned = {
  edges: z.array(z.number()).max(64),
  expected: z.array(z.number().min(0).max(1)).min(1).max(65),
};
const oneSharePerBin = [(b: { edges: number[]; expected: number[] }) => b.expected.length === b.edges.length + 1, { message: 'expected has one share per bin (edges + 1)' }] as const;
export const BinnedDistribution = z.object(binned).refine(...oneSharePerBin);
export type BinnedDistribution = z.infer<typeof BinnedDistribution>;

/** @prometheus/ml's TrainingDistribution: per-feature histograms of the training rows and of the score. */
export const TrainingDistribution = z.object({
  format: z.literal('prometheus-histograms/1'),
  features: z.array(z.object({ column: z.string().min(1), ...binned }).refine(...oneSharePerBin)).max(500),
  score: BinnedDistribution.nullable(),
  rows: z.number().int().min(0),
});
export type TrainingDistribution = z.infer<typeof TrainingDistribution>;

/** How a deployment runs on its target: `live` raises alerts; `shadow` scores beside the live model, alarms only recorded. */
export const DeploymentMode = z.enum(['live', 'shadow']);
export type DeploymentMode = z.infer<typeof DeploymentMode>;

const Count = z.number().int().min(0);

/**
 * One hour of readings binned like the training distribution (agent -> hub on `inference`, kind `drift`): counts
 * only, never the readings. `hour_start` is the reading-time hour (UTC, epoch ms) the counts cover.
 */
export const DriftCounts = z.object({
  hour_start: z.number().int().min(0),
  /** Readings binned (each feature counts its finite values). */
  readings: Count,
  features: z.array(z.object({ column: z.string().min(1), counts: z.array(Count).min(1).max(65) })).max(500),
  /** Scored windows binned by their reported score (out-of-range windows left out); null without a score histogram. */
  score: z.object({ counts: z.array(Count).min(1).max(65) }).nullable(),
});
export type DriftCounts = z.infer<typeof DriftCounts>;

/** One window scored by the live model and the shadow model. */
export const ShadowPair = z.object({
  ts: z.number().int().min(0),
  score: z.number(),
  anomaly: z.boolean(),
  live_score: z.number(),
  live_anomaly: z.boolean(),
});
export type ShadowPair = z.infer<typeof ShadowPair>;

/** The body of a signed promotion (its JSON text is what the signature covers): make an installed deployment live. */
export const PromoteOrder = z.object({
  format: z.literal('prometheus-promote/1'),
  deployment_id: z.string().regex(/^dep_[A-Za-z0-9]{6,64}$/),
  target_id: z.string().regex(/^tgt_[A-Za-z0-9]{6,64}$/),
  /** Epoch ms; the agent ignores an order not newer than the last one it applied (a replay). */
  issued_at: z.number().int().min(0),
});
export type PromoteOrder = z.infer<typeof PromoteOrder>;
