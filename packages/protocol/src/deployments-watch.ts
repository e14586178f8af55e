import { z } from 'zod';
import { IsoTime } from './common.js';
import { DeploymentMode } from './edge-watch.js';

// REST side of watching models in the field (additions): shadow comparison, promotion, drift per target.

/** POST /deployments/:id/promote answers with the promotion as the hub sent it; the agent confirms on `deploy/status`. */
export const Promotion = z.object({
  deployment_id: z.string(),
  target_id: z.string(),
  state: z.enum(['pending', 'done', 'failed']),
  /** Why the target refused the promotion (state failed; the live model stayed). */
  reason: z.string().nullable(),
  /** The live deployment it replaces (kept on the target: promoting it again rolls back). */
  replaces_deployment_id: z.string().nullable(),
  requested_at: IsoTime,
  done_at: IsoTime.nullable(),
});
export type Promotion = z.infer<typeof Promotion>;

const AlarmSide = z.object({
  deployment_id: z.string(),
  /** Share of the compared windows this model called anomalous (null: none compared). */
  alarm_rate: z.number().nullable(),
  /** Alarms (hysteresis events) raised over the comparison: the live model's real alerts, the shadow's recorded ones. */
  alarms_raised: z.number().int(),
});

export const ShadowAlarm = z.object({
  id: z.string(), state: z.enum(['raised', 'cleared']), raised_at: IsoTime, cleared_at: IsoTime.nullable(),
  peak_score: z.number(), threshold: z.number(), message: z.string(),
});

export const ShadowReport = z.object({
  deployment_id: z.string(),
  target_id: z.string(),
  mode: DeploymentMode,
  /** Windows both models scored (the agent scores each window with both). */
  windows: z.number().int(),
  /** Share of those windows where both said the same (anomalous or not); null before any. */
  agreement: z.number().nullable(),
  /** Pearson correlation of the two scores over the windows; null with fewer than 2 or a constant score. */
  score_correlation: z.number().nullable(),
  live: AlarmSide,
  shadow: AlarmSide,
  first_window: IsoTime.nullable(),
  last_window: IsoTime.nullable(),
  /** The shadow's alarms, recorded and never raised as alerts, newest first (at most 100). */
  shadow_alarms: z.array(ShadowAlarm),
});
export type ShadowReport = z.infer<typeof ShadowReport>;

export const DriftQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export const DriftHour = z.object({
  hour_start: IsoTime,
  deployment_id: z.string(),
  model_id: z.string(),
  readings: z.number().int(),
  windows: z.number().int(),
  /** PSI of each feature's hour against its training histogram. */
  features: z.array(z.object({ column: z.string(), psi: z.number() })),
  score_psi: z.number().nullable(),
  /** The largest PSI of the hour (features and score). */
  max_psi: z.number().nullable(),
  /** Features (and `score`) whose PSI is above the threshold. */
  drifted: z.array(z.string()),
  /** Bytes of the summary message as received. */
  bytes: z.number().int(),
});
export type DriftHour = z.infer<typeof DriftHour>;

export const DriftReport = z.object({
  target_id: z.string(),
  threshold: z.number(),
  /** False when the model running there carries no training histograms (trained before drift existed): no drift is computed. */
  available: z.boolean(),
  reason: z.string().nullable(),
  /** Oldest first. */
  hours: z.array(DriftHour),
  /** Summary bytes per reading-day (UTC) of the period: what drift costs on the target's link. */
  bandwidth: z.object({
    days: z.array(z.object({ day: z.string(), bytes: z.number().int(), summaries: z.number().int() })),
    mean_bytes_per_day: z.number().nullable(),
    /** 24 x the mean summary size: a full day's cost (the first and last day of a period are usually partial). */
    projected_bytes_per_day: z.number().int().nullable(),
  }),
});
export type DriftReport = z.infer<typeof DriftReport>;
