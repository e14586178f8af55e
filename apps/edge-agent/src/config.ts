import fs from 'node:fs';
import { z } from 'zod';
import { DEFAULT_CONFIG_FILE, DEFAULT_STATE_DIR } from './paths.js';

// The agent's settings: a JSON file (`--config`) with command-line flags on top, parsed once at start.
// A bad value stops the agent naming the field; an explicitly named file that is missing is an error.
const url = z.string().url();

/**
 * Outbox bound: a week and a half of 1 Hz readings (1,000,000 rows), or half a year at the controllers'
 * usual 15 s, in at most 256 MiB of flash (about 250 bytes a reading); whichever bound is hit first
 * evicts the oldest readings, counted and reported to the hub.
 */
export const OUTBOX_DEFAULTS = { max_rows: 1_000_000, max_bytes: 256 * 1024 * 1024 };

const AegisSource = z.object({
  kind: z.literal('aegis'),
  url: url.default('http://127.0.0.1:9090'),
  token: z.string().min(1).optional(),
  collection: z.string().min(1).default('hardware_metrics'),
  page_size: z.number().int().min(1).max(10_000).default(500),
  /** Stop paging after this many readings per poll, so one poll never holds the outbox for long. */
  max_per_poll: z.number().int().min(1).default(50_000),
  timeout_ms: z.number().int().min(100).default(10_000),
});

const SensorsSource = z.object({
  kind: z.literal('sensors'),
  url: url.default('http://127.0.0.1:6100/sensors'),
  timeout_ms: z.number().int().min(100).default(5_000),
});

export const ConfigFile = z.object({
  hub_url: url.optional(),
  mqtt_url: z.string().regex(/^(mqtts?|wss?):\/\//, 'must be an mqtt://, mqtts://, ws:// or wss:// URL').optional(),
  /** PEM file of the CA that signed the hub's broker certificate (mqtts:// or wss:// with a private CA). */
  mqtt_ca_file: z.string().min(1).optional(),
  source: z.discriminatedUnion('kind', [AegisSource, SensorsSource]).prefault({ kind: 'aegis' }),
  interval_s: z.number().positive().max(86_400).default(15),
  batch_size: z.number().int().min(1).max(1000).default(50),
  /** A telemetry message stays within this many bytes (fewer readings when they are wide): under the hub's MQTT_MAX_PACKET_BYTES. */
  max_batch_bytes: z.number().int().min(4096).max(256 * 1024 * 1024).default(1024 * 1024),
  /** Batches published and not yet acknowledged by the hub. */
  max_inflight_batches: z.number().int().min(1).max(1000).default(8),
  ack_timeout_s: z.number().positive().default(20),
  heartbeat_s: z.number().positive().default(30),
  outbox: z.object({
    max_rows: z.number().int().min(10).default(OUTBOX_DEFAULTS.max_rows),
    max_bytes: z.number().int().min(10_000).default(OUTBOX_DEFAULTS.max_bytes),
  }).strict().default(OUTBOX_DEFAULTS),
  reconnect: z.object({
    initial_ms: z.number().int().min(10).default(1_000),
    max_ms: z.number().int().min(10).default(60_000),
  }).strict().default({ initial_ms: 1_000, max_ms: 60_000 }),
  keepalive_s: z.number().int().min(5).max(3600).default(30),
  shutdown_timeout_ms: z.number().int().min(100).default(10_000),
  /** Self-update (README "Self-update"): how long a new version has to report healthy in its trial run. */
  update: z.object({
    trial_deadline_s: z.number().positive().max(3600).default(60),
  }).strict().default({ trial_deadline_s: 60 }),
  log_level: z.enum(['error', 'warn', 'info', 'debug', 'silent']).default('info'),
  /** Log bytes queued for a slow stderr reader; beyond it lines are dropped and counted (logger.ts). */
  log_max_queued_bytes: z.number().int().min(4096).max(256 * 1024 * 1024).default(256 * 1024),
  inference: z.object({
    /**
     * The model runtime. 'auto': onnxruntime-node where it has a binary; inside the armv7 executable the
     * JavaScript evaluator ('onnx-js'), which needs ~150 MB less memory than onnxruntime-web's wasm there.
     */
    runtime: z.enum(['auto', 'onnx-js', 'onnxruntime-web', 'onnxruntime-node']).default('auto'),
    /** A poll that brings more readings (a backlog) scores only the newest this many windows. */
    max_windows_per_poll: z.number().int().min(1).max(100_000).default(120),
    /** Scores wait this long to go out together in one `inference` message. */
    batch_ms: z.number().int().min(0).max(600_000).default(2_000),
    /** Messages kept for the hub while offline; beyond it the oldest scores are dropped (alerts are kept). */
    max_queued: z.number().int().min(100).max(10_000_000).default(100_000),
  }).strict().prefault({}),
}).strict();
export type ConfigFile = z.output<typeof ConfigFile>;

export interface Flags {
  stateDir?: string | undefined;
  config?: string | undefined;
  aegisUrl?: string | undefined;
  sensorsUrl?: string | undefined;
  mqttUrl?: string | undefined;
  interval?: string | undefined;
}

export interface AgentConfig extends ConfigFile {
  stateDir: string;
  configFile: string | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function readFile(file: string | undefined): unknown {
  const named = file ?? (fs.existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (!named) return {};
  let text: string;
  try {
    text = fs.readFileSync(named, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${named}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${named} is not JSON: ${(err as Error).message}`);
  }
}

/** File, then flags (flags win). Throws ConfigError naming every bad field. */
export function loadConfig(flags: Flags): AgentConfig {
  const raw = readFile(flags.config) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...raw };
  const source = (typeof raw.source === 'object' && raw.source !== null ? raw.source : {}) as Record<string, unknown>;
  if (flags.aegisUrl) merged.source = { ...(source.kind === 'aegis' ? source : {}), kind: 'aegis', url: flags.aegisUrl };
  if (flags.sensorsUrl) merged.source = { ...(source.kind === 'sensors' ? source : {}), kind: 'sensors', url: flags.sensorsUrl };
  if (flags.mqttUrl) merged.mqtt_url = flags.mqttUrl;
  if (flags.interval !== undefined) merged.interval_s = Number(flags.interval);
  const parsed = ConfigFile.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration${flags.config ? ` (${flags.config})` : ''}:\n  ${lines.join('\n  ')}`);
  }
  if (parsed.data.reconnect.max_ms < parsed.data.reconnect.initial_ms) throw new ConfigError('reconnect.max_ms: must be >= reconnect.initial_ms');
  return { ...parsed.data, stateDir: flags.stateDir ?? DEFAULT_STATE_DIR, configFile: flags.config };
}
