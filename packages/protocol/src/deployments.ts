import { z } from 'zod';
import { displayName, IsoTime } from './common.js';
import { Promotion } from './deployments-watch.js';
import { DeploymentMode } from './edge-watch.js';
import { AlertPolicy } from './mqtt.js';

// Deployments (docs/api.md "Deployments"): a model packaged, signed and sent to an edge target over
// MQTT, and what the target's agent reports back (scores, alerts). Fields beyond the contract are marked.

export const DeploymentStatus = z.enum(['compiling', 'quantizing', 'packaging', 'transferring', 'deployed', 'failed', 'rolled_back', 'superseded']);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

const isIpAddress = (s: string) => z.ipv4().safeParse(s).success || z.ipv6().safeParse(s).success;

/**
 * The target by id (addition) or by the contract's `target_ip` / `target_name` (both must match when both are given).
 * A `target_ip` no target of the user has yet registers a pending target (named `target_name`, else the IP).
 */
/** What a deployment sends (addition): a model (and/or rules) package, or a new version of the agent itself. */
export const DeploymentKind = z.enum(['model', 'agent']);
export type DeploymentKind = z.infer<typeof DeploymentKind>;

/** An agent version as the edge build stamps it (semver-like: 0.2.0, 0.2.0-rc.1). */
export const AgentVersion = z.string().trim().regex(/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/, 'must be an agent version such as 0.2.0');

export const DeploymentCreateRequest = z.object({
  /** Addition: `agent` deploys the agent release `agent_version` (GET /edge/releases) for the target's arch; default `model`. */
  kind: DeploymentKind.optional(),
  /** Addition, `kind: "agent"` only: the agent version to run. */
  agent_version: AgentVersion.optional(),
  /** Omitted (addition): a rules-only deployment, which needs `rules`. */
  model_id: z.string().min(1).max(128).optional(),
  target_id: z.string().min(1).max(128).optional(),
  target_ip: z.string().trim().min(1).max(64).refine(isIpAddress, 'must be an IP address such as 100.124.76.93').optional(),
  target_name: displayName(128).optional(),
  /** Addition: alert hysteresis (defaults: 3 windows up, 3 windows below 0.8 x threshold to clear). */
  alerts: AlertPolicy.partial().strict().optional(),
  /**
   * Addition: Guideline 36 rules run by the agent beside the model on the target's point map. `enabled` defaults to
   * true when the map gives the rules inputs; `settings` are overrides of the rule settings (`@prometheus/afdd`).
   */
  rules: z.object({ enabled: z.boolean().optional(), settings: z.record(z.string(), z.unknown()).optional() }).strict().optional(),
  /** Addition: `shadow` runs the model beside the target's live one (alarms recorded, never raised) until promoted. Default `live`. */
  mode: DeploymentMode.optional(),
}).strict().refine((b) => b.target_id !== undefined || b.target_ip !== undefined || b.target_name !== undefined, {
  message: 'name the target: target_id, target_ip or target_name', path: ['target_id'],
}).refine((b) => b.kind === 'agent' || b.model_id !== undefined || (b.rules !== undefined && b.rules.enabled !== false), {
  message: 'name the model (model_id), or deploy the rules alone with rules', path: ['model_id'],
}).refine((b) => b.kind !== 'agent' || b.agent_version !== undefined, {
  message: 'kind "agent" needs agent_version (one of GET /api/v1/edge/releases for the target\'s arch)', path: ['agent_version'],
}).refine((b) => b.kind === 'agent' || b.agent_version === undefined, {
  message: 'agent_version is for kind "agent"', path: ['agent_version'],
}).refine((b) => b.kind !== 'agent' || (b.model_id === undefined && b.rules === undefined && b.alerts === undefined), {
  message: 'an agent deployment carries no model_id, rules or alerts', path: ['kind'],
}).refine((b) => b.mode !== 'shadow' || b.model_id !== undefined, { message: 'a shadow deployment needs a model (model_id)', path: ['mode'] });
export type DeploymentCreateRequest = z.infer<typeof DeploymentCreateRequest>;

export const DeploymentCreateResponse = z.object({
  id: z.string(),
  status: DeploymentStatus,
  /** Null for a rules-only deployment (addition). */
  model_id: z.string().nullable(),
  target_ip: z.string().nullable(),
  target_id: z.string(),
  target_name: z.string(),
  /** Addition, when the request registered the target: the agent's one-time token, as `POST /deployments/targets` gives. */
  enrollment_token: z.string().optional(),
  enrollment_expires_at: IsoTime.optional(),
});
export type DeploymentCreateResponse = z.infer<typeof DeploymentCreateResponse>;

export const DeploymentStep = z.object({ status: DeploymentStatus, at: IsoTime, detail: z.string().nullable() });

export const DeploymentSummary = z.object({
  id: z.string(),
  /** Null for a rules-only deployment (addition). */
  model_id: z.string().nullable(),
  target_ip: z.string().nullable(),
  target_name: z.string(),
  target_arch: z.string().nullable(),
  status: DeploymentStatus,
  /** Size of what `GET /deployments/:id/binary` serves for the target (null when there is none for its architecture). */
  binary_size_bytes: z.number().int().nullable(),
  deployed_at: IsoTime.nullable(),
  deployed_by: z.string(),
  /** Additions. */
  kind: DeploymentKind,
  /** The agent version deployed (kind `agent`), else null. */
  agent_version: z.string().nullable(),
  target_id: z.string(),
  model_version: z.string(),
  status_detail: z.string().nullable(),
  error: z.string().nullable(),
  created_at: IsoTime,
  /** Addition: `shadow` until promoted (scores beside the live model, alarms recorded only); `live` otherwise. */
  mode: DeploymentMode,
});
export type DeploymentSummary = z.infer<typeof DeploymentSummary>;

export const DeploymentDetail = DeploymentSummary.extend({
  package: z.object({ size_bytes: z.number().int(), sha256: z.string(), quantized: z.boolean() }).nullable(),
  transfer: z.object({ bytes_acked: z.number().int(), bytes_total: z.number().int(), target_online: z.boolean() }).nullable(),
  /** Null for a rules-only deployment (addition). */
  alerts: AlertPolicy.nullable(),
  /** The target's health inference: its score against the hub's. */
  health: z.object({ score: z.number(), expected: z.number(), runtime: z.string() }).nullable(),
  steps: z.array(DeploymentStep),
  /** Addition: the rules the agent runs beside the model (null: none), with the inputs mapped and the full settings. */
  rules: z.object({ inputs: z.array(z.string()), points: z.number().int(), settings: z.record(z.string(), z.number().nullable()) }).nullable(),
  /** Addition: the last promotion of this deployment (POST /deployments/:id/promote), null when never promoted. */
  promotion: Promotion.nullable(),
});
export type DeploymentDetail = z.infer<typeof DeploymentDetail>;

export const DeploymentBinaryQuery = z.object({
  file: z.enum(['executable', 'wasm', 'addon', 'manifest']).default('executable'),
});

export const EdgeAlert = z.object({
  id: z.string(),
  target_id: z.string(),
  deployment_id: z.string(),
  /** Null for a rules-only deployment's alerts. */
  model_id: z.string().nullable(),
  state: z.enum(['raised', 'cleared']),
  raised_at: IsoTime,
  cleared_at: IsoTime.nullable(),
  /** Null for a rule alert (addition), which has no score. */
  peak_score: z.number().nullable(),
  threshold: z.number().nullable(),
  message: z.string(),
  received_at: IsoTime,
  /**
   * Addition: `rule` for a Guideline 36 fault condition the agent's rules raised; `anomaly` for the model's score;
   * `out_of_range` for the model's notice that conditions lie outside its training range (not a fault);
   * `drift` for the hub's PSI check of the target's hourly histograms (`drift` names the features).
   */
  kind: z.enum(['anomaly', 'out_of_range', 'rule', 'drift']),
  /** Addition, rule alerts only (null otherwise): the condition, the family it points at, the state and the evidence. */
  rule: z.object({
    fault_condition: z.string(), family: z.string(), operating_state: z.string(), evidence: z.array(z.string()), since: IsoTime,
  }).nullable(),
  /** Addition, drift alerts only (null otherwise): the drifted features (and `score`) with their PSI, the hour, the threshold. */
  drift: z.object({ features: z.array(z.object({ column: z.string(), psi: z.number() })), hour_start: IsoTime, threshold: z.number() }).nullable(),
});
export type EdgeAlert = z.infer<typeof EdgeAlert>;

export const EdgeAlertQuery = z.object({
  state: z.enum(['raised', 'cleared']).optional(),
  /** Addition: only alerts of this kind (`anomaly`, `out_of_range`, `rule`, `drift`). */
  kind: z.enum(['anomaly', 'out_of_range', 'rule', 'drift']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const EdgeScorePoint = z.object({
  ts: IsoTime, score: z.number(), anomaly: z.boolean(),
  /** Addition: the window's conditions lay outside the model's training envelope (never an anomaly then). */
  out_of_range: z.boolean(),
  deployment_id: z.string(),
});

export const EdgeScoreQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(500),
});

export const EdgeScoreList = z.object({
  target_id: z.string(),
  threshold: z.number().nullable(),
  /** Oldest first. */
  scores: z.array(EdgeScorePoint),
});
export type EdgeScoreList = z.infer<typeof EdgeScoreList>;
