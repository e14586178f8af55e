import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { flag, timestamp } from './columns.js';
import { edgeTargets } from './fleet.js';

/** One hour's PSI of one feature (or `score`). */
export interface DriftPsi {
  column: string;
  psi: number;
}

/** An hour of a target's drift histograms (counts the agent sent) and the PSI the hub computed; a resend is ignored. */
export const edgeDriftHours = sqliteTable('edge_drift_hours', {
  targetId: text('target_id').notNull().references(() => edgeTargets.id, { onDelete: 'cascade' }),
  deploymentId: text('deployment_id').notNull(),
  /** Reading-time hour (UTC) the counts cover. */
  hourStart: integer('hour_start').notNull(),
  modelId: text('model_id').notNull(),
  readings: integer('readings').notNull(),
  windows: integer('windows').notNull(),
  features: text('features', { mode: 'json' }).$type<DriftPsi[]>().notNull(),
  scorePsi: real('score_psi'),
  maxPsi: real('max_psi'),
  /** The counts as sent (kept so PSI can be recomputed against another threshold or model). */
  counts: text('counts', { mode: 'json' }).$type<{ features: { column: string; counts: number[] }[]; score: number[] | null }>().notNull(),
  /** Size of the summary message as received: what drift costs on the link. */
  bytes: integer('bytes').notNull(),
  receivedAt: timestamp('received_at').notNull(),
}, (t) => [primaryKey({ columns: [t.targetId, t.deploymentId, t.hourStart] }), index('edge_drift_hours_target_idx').on(t.targetId, t.hourStart)]);

/** A window scored by a shadow deployment beside the live one (the agent pairs them); replays overwrite themselves. */
export const edgeShadowScores = sqliteTable('edge_shadow_scores', {
  deploymentId: text('deployment_id').notNull(),
  ts: integer('ts').notNull(),
  targetId: text('target_id').notNull().references(() => edgeTargets.id, { onDelete: 'cascade' }),
  liveDeploymentId: text('live_deployment_id').notNull(),
  score: real('score').notNull(),
  anomaly: flag('anomaly').notNull(),
  liveScore: real('live_score').notNull(),
  liveAnomaly: flag('live_anomaly').notNull(),
}, (t) => [primaryKey({ columns: [t.deploymentId, t.ts] })]);

/** A shadow deployment's alarms: recorded for the comparison, never raised as alerts. */
export const edgeShadowAlarms = sqliteTable('edge_shadow_alarms', {
  deploymentId: text('deployment_id').notNull(),
  /** The agent's own id of the alarm. */
  agentAlarmId: text('agent_alarm_id').notNull(),
  targetId: text('target_id').notNull().references(() => edgeTargets.id, { onDelete: 'cascade' }),
  state: text('state', { enum: ['raised', 'cleared'] }).notNull(),
  raisedAt: timestamp('raised_at').notNull(),
  clearedAt: timestamp('cleared_at'),
  peakScore: real('peak_score').notNull(),
  threshold: real('threshold').notNull(),
  message: text('message').notNull(),
}, (t) => [primaryKey({ columns: [t.deploymentId, t.agentAlarmId] })]);
