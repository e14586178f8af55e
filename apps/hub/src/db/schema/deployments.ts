import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from './accounts.js';
import { flag, timestamp } from './columns.js';
import { edgeTargets } from './fleet.js';

export const DEPLOYMENT_STATUSES = ['compiling', 'quantizing', 'packaging', 'transferring', 'deployed', 'failed', 'rolled_back', 'superseded'] as const;

/** One step of a deployment as it happened (status, time, what was done or went wrong). */
export interface DeploymentStepRecord {
  status: (typeof DEPLOYMENT_STATUSES)[number];
  at: number;
  detail: string | null;
}

/** The rules section of a deployment, as the manifest carries it. */
export interface DeploymentRules {
  points: { column: string; input: string; unit: string | null }[];
  settings: Record<string, number | null>;
}

/** What a rule alert names: the condition, the family it points at, the state and the evidence. */
export interface RuleAlertDetail {
  fault_condition: string;
  family: string;
  operating_state: string;
  evidence: string[];
  since: string;
}

/** A promotion (shadow -> live, or back to the deployment kept for rollback) as the hub ordered it. */
export interface DeploymentPromotion {
  state: 'pending' | 'done' | 'failed';
  /** Why the target refused it (state failed). */
  reason?: string;
  /** The live deployment it replaces (kept on the target for rollback). */
  replaces: string | null;
  requestedAt: number;
  doneAt: number | null;
  /** The signed order's issued_at (the agent applies each order once). */
  issuedAt: number;
}

/** Which features drifted in a drift alert, with their PSI. */
export interface DriftAlertDetail {
  features: { column: string; psi: number }[];
  hourStart: number;
  threshold: number;
}

// A model deployment: a persisted state machine (status) driven by the hub's orchestrator and the agent's
// reports; its package (model, manifest, signature) lives under `<data dir>/deployments/<id>/`.
export const deployments = sqliteTable('deployments', {
  id: text('id').primaryKey(),
  // No cascade: on user deletion the deployments pass to the deleting admin (users.addCleanup).
  ownerId: text('owner_id').notNull().references(() => users.id),
  /** Username of who deployed, as shown (kept when the user is gone). */
  deployedBy: text('deployed_by').notNull(),
  // No foreign key: a finished deployment keeps naming its model after the model is deleted. Null: rules only.
  modelId: text('model_id'),
  targetId: text('target_id').notNull().references(() => edgeTargets.id),
  /** The target's name, IP and architecture when the deployment was made. */
  targetName: text('target_name').notNull(),
  targetIp: text('target_ip'),
  targetArch: text('target_arch'),
  modelVersion: text('model_version').notNull(),
  /** `model` (a model and/or rules) or `agent` (a new agent executable, `agentVersion`). */
  kind: text('kind', { enum: ['model', 'agent'] }).notNull().default('model'),
  agentVersion: text('agent_version'),
  status: text('status', { enum: DEPLOYMENT_STATUSES }).notNull(),
  statusDetail: text('status_detail'),
  error: text('error'),
  steps: text('steps', { mode: 'json' }).$type<DeploymentStepRecord[]>().notNull(),
  /** Hysteresis of the model's alerts (null: rules only, no model). */
  alertPolicy: text('alert_policy', { mode: 'json' }).$type<{ raise_windows: number; clear_windows: number; clear_threshold: number }>(),
  packageSha256: text('package_sha256'),
  packageSize: integer('package_size'),
  quantized: flag('quantized').notNull().default(true),
  /** Bytes of the package the agent confirmed it holds. */
  bytesAcked: integer('bytes_acked').notNull().default(0),
  healthScore: real('health_score'),
  healthExpected: real('health_expected'),
  healthRuntime: text('health_runtime'),
  /** Guideline 36 rules the agent runs beside the model: the target's mapped points and the full settings (null: none). */
  rules: text('rules', { mode: 'json' }).$type<DeploymentRules>(),
  /** `shadow`: runs beside the target's live model, alarms recorded only, until promoted (then `live`). */
  mode: text('mode', { enum: ['live', 'shadow'] }).notNull().default('live'),
  promotion: text('promotion', { mode: 'json' }).$type<DeploymentPromotion>(),
  /**
   * While transferring: the replica whose memory holds the package it sends (null before one opened it). The
   * leader takes over a transfer whose replica is no longer heard from; a replica no longer named closes its own.
   */
  transferReplica: text('transfer_replica'),
  createdAt: timestamp('created_at').notNull(),
  updatedAt: timestamp('updated_at').notNull(),
  deployedAt: timestamp('deployed_at'),
  finishedAt: timestamp('finished_at'),
}, (t) => [
  index('deployments_owner_idx').on(t.ownerId, t.createdAt),
  index('deployments_target_idx').on(t.targetId, t.createdAt),
  index('deployments_status_idx').on(t.status),
]);

/** Anomaly scores the agents computed on live windows (one per window end); replays overwrite themselves. */
export const edgeScores = sqliteTable('edge_scores', {
  targetId: text('target_id').notNull().references(() => edgeTargets.id, { onDelete: 'cascade' }),
  ts: integer('ts').notNull(),
  deploymentId: text('deployment_id').notNull(),
  score: real('score').notNull(),
  anomaly: flag('anomaly').notNull(),
  /** The window's conditions lay outside the model's training envelope (never an anomaly then). */
  outOfRange: flag('out_of_range').notNull().default(false),
}, (t) => [primaryKey({ columns: [t.targetId, t.ts, t.deploymentId] })]);

/** Alerts raised by agents (hysteresis on the model's threshold), updated when they clear. */
export const edgeAlerts = sqliteTable('edge_alerts', {
  id: text('id').primaryKey(),
  targetId: text('target_id').notNull().references(() => edgeTargets.id, { onDelete: 'cascade' }),
  /** The agent's own id of the alert (unique per target). */
  agentAlertId: text('agent_alert_id').notNull(),
  deploymentId: text('deployment_id').notNull(),
  /** Null for a rules-only deployment's alerts. */
  modelId: text('model_id'),
  /**
   * `anomaly`: the model's score (peak_score, threshold); `out_of_range`: the model's notice that conditions lie
   * outside its training envelope (no fault); `rule`: a Guideline 36 fault condition (`rule`; the score columns hold 0);
   * `drift`: the hub's PSI check of the hourly histograms (`drift`; peak_score the largest PSI, threshold the PSI threshold).
   */
  kind: text('kind', { enum: ['anomaly', 'out_of_range', 'rule', 'drift'] }).notNull().default('anomaly'),
  rule: text('rule', { mode: 'json' }).$type<RuleAlertDetail>(),
  /** `drift` alerts (raised by the hub from the hourly histograms): the drifted features and their PSI. */
  drift: text('drift', { mode: 'json' }).$type<DriftAlertDetail>(),
  state: text('state', { enum: ['raised', 'cleared'] }).notNull(),
  raisedAt: timestamp('raised_at').notNull(),
  clearedAt: timestamp('cleared_at'),
  peakScore: real('peak_score').notNull(),
  threshold: real('threshold').notNull(),
  message: text('message').notNull(),
  receivedAt: timestamp('received_at').notNull(),
}, (t) => [index('edge_alerts_target_idx').on(t.targetId, t.raisedAt), uniqueIndex('edge_alerts_agent_idx').on(t.targetId, t.agentAlertId)]);
