import { z } from 'zod';
import { IsoTime } from './common.js';
import { AgentVersion } from './deployments.js';
import { MAX_TARGET_TAGS, TargetTagKey, TargetTagValue } from './fleet.js';

// Rollouts (issue 16): one model sent to many targets, a canary first, then waves; the hub's rollout engine
// halts by itself on failures or on the canaries' alarm rate and rolls the failed targets back.

export const RolloutStatus = z.enum(['running', 'paused', 'completed', 'halted', 'aborted']);
export type RolloutStatus = z.infer<typeof RolloutStatus>;

/** Where one target of a rollout stands. */
export const RolloutTargetState = z.enum([
  'pending', 'deploying', 'deployed', 'failed', 'rolling_back', 'rolled_back', 'skipped', 'offline', 'aborted',
]);
export type RolloutTargetState = z.infer<typeof RolloutTargetState>;

export const RolloutWaveStatus = z.enum(['pending', 'running', 'observing', 'done', 'halted', 'aborted']);
export type RolloutWaveStatus = z.infer<typeof RolloutWaveStatus>;

/** A tag the targets must carry: one value, or any of several (`{group: ["a", "b"]}`). */
const TagMatch = z.union([TargetTagValue, z.array(TargetTagValue).min(1).max(50)]);

export const RolloutSelector = z.object({
  /** Every key must match; a list of values matches any of them. */
  tags: z.record(z.string(), TagMatch).superRefine((tags, ctx) => {
    const keys = Object.keys(tags);
    if (keys.length > MAX_TARGET_TAGS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_TARGET_TAGS} tags` });
    for (const key of keys) {
      if (!TargetTagKey.safeParse(key).success) ctx.addIssue({ code: 'custom', path: [key], message: 'tag keys are letters, digits, _ . - (max 64)' });
    }
  }).optional(),
  /** With `tags` too: only the listed targets that also carry the tags. */
  target_ids: z.array(z.string().min(1).max(128)).min(1).max(5000).optional(),
}).strict().refine((s) => s.tags !== undefined || s.target_ids !== undefined, { message: 'select targets by tags and/or target_ids', path: ['tags'] });
export type RolloutSelector = z.infer<typeof RolloutSelector>;

export const RolloutHealth = z.object({
  /**
   * Halt when a canary's share of anomalous windows since its deployment exceeds its own share over
   * `history_hours` before it by more than this (0.2 = 20 points). Checked at the end of the canary wave's interval.
   */
  max_alarm_rate_increase: z.number().min(0).max(1).optional(),
  history_hours: z.number().positive().max(24 * 30).default(24),
}).strict();

export const RolloutStrategy = z.object({
  /** Targets deployed first, alone; 0: no canary wave. */
  canary: z.number().int().min(0).max(1000).default(1),
  /** Each later wave's size, as a share of the selected targets (rounded up). */
  batch_percent: z.number().min(1).max(100).default(25),
  /** Wait after a wave is deployed before the next starts (the canaries are watched meanwhile). */
  interval_seconds: z.number().int().min(0).max(7 * 86_400).default(300),
  /** A wave whose failed targets exceed this share halts the rollout (0: any failure halts). */
  max_failure_percent: z.number().min(0).max(100).default(0),
  health: RolloutHealth.default({ history_hours: 24 }),
  /** An offline target: `wait` up to `offline_wait_seconds` (then reported `offline`), or `skip` it at once. */
  offline: z.enum(['wait', 'skip']).default('wait'),
  offline_wait_seconds: z.number().int().min(0).max(7 * 86_400).default(3600),
}).strict();
export type RolloutStrategy = z.infer<typeof RolloutStrategy>;

export const RolloutCreateRequest = z.object({
  model_id: z.string().min(1).max(128).optional(),
  /** An agent release (GET /api/v1/edge/releases) for every selected target's arch: rolled out as agent updates. */
  agent_version: AgentVersion.optional(),
  selector: RolloutSelector,
  strategy: RolloutStrategy.default(RolloutStrategy.parse({})),
}).strict().refine((b) => (b.model_id === undefined) !== (b.agent_version === undefined), {
  message: 'name exactly one of model_id or agent_version', path: ['model_id'],
});
export type RolloutCreateRequest = z.infer<typeof RolloutCreateRequest>;

export const RolloutAlarmCheck = z.object({
  target_id: z.string(),
  /** Share of anomalous windows in the history before the deployment (null: none scored). */
  before: z.number().nullable(),
  after: z.number().nullable(),
  windows_before: z.number().int(),
  windows_after: z.number().int(),
  exceeded: z.boolean(),
});
export type RolloutAlarmCheck = z.infer<typeof RolloutAlarmCheck>;

export const RolloutWave = z.object({
  index: z.number().int(),
  kind: z.enum(['canary', 'wave']),
  status: RolloutWaveStatus,
  target_ids: z.array(z.string()),
  started_at: IsoTime.nullable(),
  finished_at: IsoTime.nullable(),
  failed: z.number().int(),
  alarm_checks: z.array(RolloutAlarmCheck),
});
export type RolloutWave = z.infer<typeof RolloutWave>;

export const RolloutTarget = z.object({
  target_id: z.string(),
  target_name: z.string(),
  wave: z.number().int(),
  state: RolloutTargetState,
  deployment_id: z.string().nullable(),
  /** The model the target ran before the rollout (what a rollback returns to). */
  previous_model_id: z.string().nullable(),
  /** The agent version it ran before (what an agent rollout's rollback returns to). */
  previous_agent_version: z.string().nullable(),
  rollback_deployment_id: z.string().nullable(),
  detail: z.string().nullable(),
  updated_at: IsoTime,
});
export type RolloutTarget = z.infer<typeof RolloutTarget>;

export const RolloutCounts = z.object({
  total: z.number().int(), pending: z.number().int(), in_progress: z.number().int(), deployed: z.number().int(), failed: z.number().int(),
  rolled_back: z.number().int(), skipped: z.number().int(), offline: z.number().int(), aborted: z.number().int(),
});

export const RolloutSummary = z.object({
  id: z.string(),
  status: RolloutStatus,
  model_id: z.string().nullable(),
  agent_version: z.string().nullable(),
  /** Why it halted or was aborted. */
  reason: z.string().nullable(),
  current_wave: z.number().int(),
  wave_count: z.number().int(),
  counts: RolloutCounts,
  created_by: z.string(),
  created_at: IsoTime,
  updated_at: IsoTime,
  finished_at: IsoTime.nullable(),
});
export type RolloutSummary = z.infer<typeof RolloutSummary>;

export const RolloutDetail = RolloutSummary.extend({
  selector: RolloutSelector,
  strategy: RolloutStrategy,
  waves: z.array(RolloutWave),
  targets: z.array(RolloutTarget),
});
export type RolloutDetail = z.infer<typeof RolloutDetail>;
