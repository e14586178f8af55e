import { z } from 'zod';
import { DeploymentMode, DriftCounts, ShadowPair, TrainingDistribution } from './edge-watch.js';

// The edge link (MQTT 3.1.1): every topic and every message the hub and the agent exchange.
// Topics live under `prometheus/v1/devices/{deviceId}/`; a device may touch only its own subtree.
export const TOPIC_ROOT = 'prometheus/v1/devices';
const decoder = new TextDecoder();

export const DEVICE_TOPICS = {
  telemetry: 'telemetry',
  ack: 'ack',
  status: 'status',
  inference: 'inference',
  deploy: 'deploy',
  deployChunk: 'deploy/chunk',
  deployStatus: 'deploy/status',
} as const;
export type DeviceTopic = (typeof DEVICE_TOPICS)[keyof typeof DEVICE_TOPICS];

/** Device ids are the target ids issued by the hub (`tgt_...`): safe as one topic level. */
export const DeviceId = z.string().regex(/^tgt_[A-Za-z0-9]{6,64}$/, 'must be a target id (tgt_...)');

export function deviceTopic(deviceId: string, leaf: DeviceTopic): string {
  return `${TOPIC_ROOT}/${deviceId}/${leaf}`;
}

/** Splits `prometheus/v1/devices/<id>/<leaf...>`; undefined for any other topic. */
export function parseDeviceTopic(topic: string): { deviceId: string; leaf: string } | undefined {
  const prefix = `${TOPIC_ROOT}/`;
  if (!topic.startsWith(prefix)) return undefined;
  const rest = topic.slice(prefix.length);
  const slash = rest.indexOf('/');
  if (slash <= 0 || slash === rest.length - 1) return undefined;
  return { deviceId: rest.slice(0, slash), leaf: rest.slice(slash + 1) };
}

const Seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const SeqRange = z.object({ from: Seq, to: Seq }).refine((r) => r.to >= r.from, 'to must be >= from');
export type SeqRange = z.infer<typeof SeqRange>;

/** One sensor sample: epoch-ms time and one value per point (null marks a failed sensor). */
export const Reading = z.object({
  ts: z.number().int().min(0),
  values: z.record(z.string().min(1).max(128), z.number().finite().nullable()),
});
export type Reading = z.infer<typeof Reading>;

/**
 * agent -> hub, QoS 1. Readings carry consecutive sequence numbers from `seq_from`.
 * `dropped` lists sequence ranges the agent's outbox evicted before the hub acknowledged them:
 * the hub stops waiting for them (counted as lost when it never stored them).
 */
export const TelemetryBatch = z.object({
  v: z.literal(1),
  seq_from: Seq,
  readings: z.array(Reading).min(1).max(1000),
  dropped: z.array(SeqRange).max(100).default([]),
  sent_at: z.number().int().min(0).optional(),
});
export type TelemetryBatch = z.infer<typeof TelemetryBatch>;

const isInt = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= min;

function fastReading(r: unknown): Reading | undefined {
  if (typeof r !== 'object' || r === null) return undefined;
  const { ts, values } = r as { ts?: unknown; values?: unknown };
  if (!isInt(ts, 0) || typeof values !== 'object' || values === null || Array.isArray(values)) return undefined;
  for (const key in values) {
    if (!Object.hasOwn(values, key)) continue;
    const v = (values as Record<string, unknown>)[key];
    if (key.length < 1 || key.length > 128 || (v !== null && (typeof v !== 'number' || !Number.isFinite(v)))) return undefined;
  }
  return { ts, values: values as Reading['values'] };
}

/**
 * TelemetryBatch.parse for the hub's hot path (one call per publish of every agent): the same rules,
 * checked by hand; anything it does not accept goes through the schema, which has the last word.
 * apps/hub/src/mqtt/telemetry-parse.test.ts holds the two to the same answers.
 */
export function parseTelemetryBatch(payload: Uint8Array | string): TelemetryBatch | undefined {
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : decoder.decode(payload));
  } catch {
    return undefined;
  }
  const o = json as { v?: unknown; seq_from?: unknown; readings?: unknown; dropped?: unknown; sent_at?: unknown } | null;
  const fast = typeof o === 'object' && o !== null && o.v === 1 && isInt(o.seq_from, 1) && Array.isArray(o.readings)
    && o.readings.length >= 1 && o.readings.length <= 1000 && (o.dropped === undefined || (Array.isArray(o.dropped) && o.dropped.length === 0))
    && (o.sent_at === undefined || isInt(o.sent_at, 0));
  if (fast) {
    const readings: Reading[] = [];
    for (const r of o.readings as unknown[]) {
      const reading = fastReading(r);
      if (!reading) return undefined;
      readings.push(reading);
    }
    return { v: 1, seq_from: o.seq_from as number, readings, dropped: [], ...(o.sent_at !== undefined ? { sent_at: o.sent_at as number } : {}) };
  }
  const parsed = TelemetryBatch.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** hub -> agent, QoS 1: every sequence <= `ack_seq` is stored (or known lost); gaps above it are missing. */
export const TelemetryAck = z.object({
  v: z.literal(1),
  ack_seq: z.number().int().min(0),
  gaps: z.array(SeqRange).max(100),
  stored: z.number().int().min(0).describe('New readings stored from the batch that triggered this ack'),
  lost_total: z.number().int().min(0),
});
export type TelemetryAck = z.infer<typeof TelemetryAck>;

/** agent -> hub, retained; also the last will (`state: offline`). */
export const DeviceStatus = z.object({
  v: z.literal(1),
  state: z.enum(['online', 'offline']),
  version: z.string().max(64).optional(),
  arch: z.string().max(64).optional(),
  uptime_s: z.number().min(0).optional(),
  outbox_depth: z.number().int().min(0).optional(),
  outbox_bytes: z.number().int().min(0).optional(),
  dropped_total: z.number().int().min(0).optional(),
  current_model: z.string().max(128).nullable().optional(),
  current_model_version: z.string().max(64).nullable().optional(),
  at: z.number().int().min(0).optional(),
});
export type DeviceStatus = z.infer<typeof DeviceStatus>;

/** Parses a JSON payload with a schema; undefined when it is not JSON or does not fit. */
export function parseMessage<S extends z.ZodType>(schema: S, payload: Uint8Array | string): z.output<S> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(typeof payload === 'string' ? payload : decoder.decode(payload));
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

// --- Deployments and inference (deploy, deploy/chunk, deploy/status, inference) ---

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex sha256');
const DeploymentId = z.string().regex(/^dep_[A-Za-z0-9]{6,64}$/, 'must be a deployment id (dep_...)');

/** Hysteresis of edge alerts: raised after `raise_windows` windows above the threshold, cleared after `clear_windows` below `clear_threshold`. */
export const AlertPolicy = z.object({
  raise_windows: z.number().int().min(1).max(1000),
  clear_windows: z.number().int().min(1).max(1000),
  clear_threshold: z.number().finite(),
});
export type AlertPolicy = z.infer<typeof AlertPolicy>;

/** One point the rules read (addition): a sensor name as the agent reads it, its AFDD input and unit (packages/afdd). */
export const RulePoint = z.object({ column: z.string().min(1).max(128), input: z.string().min(1).max(32), unit: z.string().max(16).nullable() });
export type RulePoint = z.infer<typeof RulePoint>;

/**
 * Guideline 36 rules beside the model (addition): the target's point map (mapped points only) and the full
 * rule settings (@prometheus/afdd AfddSettings, snake_case); the agent validates both with the rules package.
 */
export const DeployRules = z.object({
  points: z.array(RulePoint).min(1).max(500),
  settings: z.record(z.string(), z.number().nullable()),
});
export type DeployRules = z.infer<typeof DeployRules>;

/**
 * What the agent needs to verify, install and run a model: signed by the hub (ed25519 over the exact
 * manifest JSON bytes). `model` is @prometheus/ml's ModelMetadata without the training hyperparameters.
 * A rules-only deployment (addition) has `model_id`, `package`, `model`, `alerts` and `health` null and `rules` set.
 */
export const DeployManifest = z.object({
  format: z.literal('prometheus-deploy/1'),
  deployment_id: DeploymentId,
  target_id: DeviceId,
  model_id: z.string().min(1).max(128).nullable(),
  model_version: z.string().min(1).max(64),
  created_at: z.string(),
  package: z.object({ file: z.literal('model.onnx'), size: z.number().int().min(1), sha256: Sha256Hex, quantized: z.boolean() }).nullable(),
  model: z.object({
    format: z.literal('prometheus-model/1'),
    architecture: z.enum(['lstm_autoencoder', 'gru_predictor', 'sentinel']),
    feature_columns: z.array(z.string().min(1)).min(1),
    label_column: z.string().nullable(),
    norm_means: z.array(z.number()),
    norm_stds: z.array(z.number()),
    sequence_length: z.number().int().min(1),
    sampling_interval_seconds: z.number().positive(),
    threshold: z.number(),
    threshold_kind: z.enum(['reconstruction_error', 'probability']),
    input_name: z.literal('window'),
    output_names: z.array(z.string()),
    horizons_minutes: z.array(z.number()).nullable(),
    num_parameters: z.number().int(),
    /** Addition: the model's persistence (trailing mean of window scores); absent = raw scores. */
    scoring: z.object({ persistence_minutes: z.number().min(0).max(10_080) }).optional(),
    /** Addition: the operating conditions the model was trained under; windows outside are `out_of_range`. */
    envelope: z.object({
      ranges: z.array(z.object({ column: z.string(), min: z.number(), max: z.number(), margin: z.number().min(0) })),
      modes: z.array(z.object({ column: z.string(), seen: z.array(z.number()) })),
    }).nullable().optional(),
    /** Addition: histograms of the training rows and scores; absent in models trained before drift existed (no drift then). */
    distribution: TrainingDistribution.nullable().optional(),
  }).nullable(),
  /** Addition: `shadow` runs beside the live model, its alarms recorded but never raised; absent = live. */
  mode: DeploymentMode.optional(),
  alerts: AlertPolicy.nullable(),
  /** A window of raw rows and the score the hub computed for it with the same file: the health inference. */
  health: z.object({ rows: z.array(z.array(z.number())), expected_score: z.number(), tolerance: z.number().positive() }).nullable(),
  rules: DeployRules.optional(),
}).refine((m) => (m.package === null) === (m.model === null) && (m.model === null) === (m.health === null) && (m.health === null) === (m.alerts === null) && (m.package !== null || m.rules !== undefined), {
  message: 'a manifest carries a model (package, model, alerts and health) or is rules only (rules, and none of them)',
});
export type DeployManifest = z.infer<typeof DeployManifest>;

/**
 * A new agent executable (addition): signed like a model's manifest and sent on the same channel (`deploy`, then
 * chunks of the executable). The agent checks the signature, the target, the arch, the size and sha256 of what
 * it received, then tries the new executable on its own state dir before swapping it in (apps/edge-agent README).
 */
export const AgentUpdateManifest = z.object({
  format: z.literal('prometheus-agent/1'),
  deployment_id: DeploymentId,
  target_id: DeviceId,
  created_at: z.string(),
  agent: z.object({
    version: z.string().min(1).max(64),
    /** armv7, arm64 or x64: the build's arch; the agent refuses another one than its own. */
    arch: z.enum(['armv7', 'arm64', 'x64']),
    /** Node version inside the executable. */
    node: z.string().max(32),
  }),
  package: z.object({ file: z.literal('prometheus-edge'), size: z.number().int().min(1), sha256: Sha256Hex }),
  /**
   * sha256 of the better-sqlite3 addon the build needs beside it: the agent refuses the update when its own differs
   * (the executable is sent alone; a new addon needs a reinstall).
   */
  addon: z.object({ file: z.string().min(1).max(128), sha256: Sha256Hex }),
});
export type AgentUpdateManifest = z.infer<typeof AgentUpdateManifest>;

/** hub -> agent on `deploy`, QoS 1: a signed manifest (the agent answers on `deploy/status` with where to start). */
export const DeployCommand = z.object({
  v: z.literal(1),
  kind: z.literal('manifest'),
  deployment_id: DeploymentId,
  /** The manifest's JSON text: the exact bytes the signature covers. */
  manifest: z.string().min(2).max(1_000_000),
  /** ed25519 signature of `manifest` (UTF-8), base64. */
  signature: z.string().min(1).max(200),
});
export type DeployCommand = z.infer<typeof DeployCommand>;

/** hub -> agent on `deploy`, QoS 1 (addition): a signed PromoteOrder: make an installed deployment (a shadow, or the one kept for rollback) live. */
export const PromoteCommand = z.object({
  v: z.literal(1),
  kind: z.literal('promote'),
  /** The PromoteOrder's JSON text: the exact bytes the signature covers. */
  order: z.string().min(2).max(10_000),
  signature: z.string().min(1).max(200),
});
export type PromoteCommand = z.infer<typeof PromoteCommand>;

/**
 * hub -> agent on `deploy/chunk`, QoS 1. Binary: u16 big-endian header length, the header JSON, then the
 * raw bytes (no base64: a third less on the controller's link and no decode on armv7). The header's sha256
 * covers the bytes; `last` marks the end of the package as the hub sends it.
 */
export const DeployChunkHeader = z.object({
  v: z.literal(1),
  deployment_id: DeploymentId,
  offset: z.number().int().min(0),
  sha256: Sha256Hex,
  last: z.boolean(),
});
export type DeployChunkHeader = z.infer<typeof DeployChunkHeader>;

export function encodeDeployChunk(header: DeployChunkHeader, data: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(2 + head.length + data.length);
  new DataView(out.buffer).setUint16(0, head.length);
  out.set(head, 2);
  out.set(data, 2 + head.length);
  return out;
}

/** Splits a chunk message; undefined when the framing or the header is wrong. */
export function decodeDeployChunk(payload: Uint8Array): { header: DeployChunkHeader; data: Uint8Array } | undefined {
  if (payload.length < 2) return undefined;
  const len = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint16(0);
  if (2 + len > payload.length) return undefined;
  const header = parseMessage(DeployChunkHeader, payload.subarray(2, 2 + len));
  return header ? { header, data: payload.subarray(2 + len) } : undefined;
}

export const AgentDeployState = z.enum(['idle', 'receiving', 'verifying', 'installing', 'health_check', 'deployed', 'failed', 'rolled_back']);
export type AgentDeployState = z.infer<typeof AgentDeployState>;

/** The model the agent runs now. */
export const RunningModel = z.object({ deployment_id: DeploymentId, model_id: z.string().nullable(), model_version: z.string() });
export type RunningModel = z.infer<typeof RunningModel>;

/**
 * agent -> hub on `deploy/status`, QoS 1: progress of one deployment, and on every connect a sync of where
 * the agent is (`resume: true` asks the hub to send from `next_offset`).
 */
export const DeployStatusReport = z.object({
  v: z.literal(1),
  deployment_id: DeploymentId.nullable(),
  state: AgentDeployState,
  next_offset: z.number().int().min(0).optional(),
  resume: z.boolean().optional(),
  reason: z.string().max(2000).optional(),
  current: RunningModel.nullable(),
  /** Addition: the shadow model running beside `current` (null: none; absent from agents before shadows). */
  shadow: RunningModel.nullable().optional(),
  health: z.object({ score: z.number(), expected: z.number(), runtime: z.string() }).optional(),
  at: z.number().int().min(0),
});
export type DeployStatusReport = z.infer<typeof DeployStatusReport>;

export const EdgeScore = z.object({
  ts: z.number().int().min(0), score: z.number(), anomaly: z.boolean(),
  /** Addition: the window's operating conditions lie outside the model's training envelope (never an anomaly then). */
  out_of_range: z.boolean().optional(),
});
export type EdgeScore = z.infer<typeof EdgeScore>;

export const EdgeAlertEvent = z.object({
  /** Unique per target: the deployment and the time the alert was raised. */
  id: z.string().min(1).max(200),
  state: z.enum(['raised', 'cleared']),
  raised_at: z.number().int().min(0),
  cleared_at: z.number().int().min(0).nullable(),
  peak_score: z.number(),
  threshold: z.number(),
  message: z.string().max(500),
  /** Addition: `out_of_range` = a notice that the conditions lie outside the trained range (no fault scored); absent = an anomaly. */
  kind: z.enum(['anomaly', 'out_of_range']).optional(),
});
export type EdgeAlertEvent = z.infer<typeof EdgeAlertEvent>;

/**
 * A Guideline 36 fault condition that held for the alarm delay (addition): raised when it starts, the same `id`
 * cleared when it stops holding. `since` is where the condition began holding (ISO UTC).
 */
export const RuleAlertEvent = z.object({
  id: z.string().min(1).max(200),
  state: z.enum(['raised', 'cleared']),
  fault_condition: z.string().min(1).max(16),
  family: z.string().min(1).max(32),
  operating_state: z.string().min(1).max(8),
  evidence: z.array(z.string().max(1000)).max(20),
  since: z.string().max(40),
  raised_at: z.number().int().min(0),
  cleared_at: z.number().int().min(0).nullable(),
  message: z.string().max(500),
});
export type RuleAlertEvent = z.infer<typeof RuleAlertEvent>;

/** agent -> hub on `inference`, QoS 1, through the agent's own store-and-forward queue (`seq` is its key). */
export const InferenceMessage = z.discriminatedUnion('kind', [
  z.object({ v: z.literal(1), kind: z.literal('scores'), seq: Seq, deployment_id: DeploymentId, model_id: z.string(), scores: z.array(EdgeScore).min(1).max(1000) }),
  z.object({ v: z.literal(1), kind: z.literal('alert'), seq: Seq, deployment_id: DeploymentId, model_id: z.string(), alert: EdgeAlertEvent }),
  z.object({ v: z.literal(1), kind: z.literal('rule_alert'), seq: Seq, deployment_id: DeploymentId, model_id: z.string().nullable(), alert: RuleAlertEvent }),
  // Additions: an hour of drift histograms (the live model's), a shadow model's paired scores and its alarms (recorded, never raised).
  z.object({ v: z.literal(1), kind: z.literal('drift'), seq: Seq, deployment_id: DeploymentId, model_id: z.string(), drift: DriftCounts }),
  z.object({
    v: z.literal(1), kind: z.literal('shadow_scores'), seq: Seq, deployment_id: DeploymentId, model_id: z.string(), live_deployment_id: DeploymentId,
    scores: z.array(ShadowPair).min(1).max(1000),
  }),
  z.object({ v: z.literal(1), kind: z.literal('shadow_alert'), seq: Seq, deployment_id: DeploymentId, model_id: z.string(), alert: EdgeAlertEvent }),
]);
export type InferenceMessage = z.infer<typeof InferenceMessage>;
