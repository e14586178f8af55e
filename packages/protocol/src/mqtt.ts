import { z } from 'zod';

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
