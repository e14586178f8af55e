import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

// Every setting of the hub, parsed once at start. A bad value stops start-up naming the variable;
// there is no silent fallback.
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
// A `deploy/chunk` message beyond its raw bytes (not base64): u16 + header JSON (~180 B), the topic, MQTT framing.
const DEPLOY_CHUNK_OVERHEAD_BYTES = 1024;

const EnvSchema = z.object({
  PORT: int(0, 65535).default(3030),
  HOST: z.string().min(1).default('0.0.0.0'),
  PROMETHEUS_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://').optional(),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_MAX_QUEUED_BYTES: int(4096, 1024 * 1024 * 1024).default(1024 * 1024),
  PROMETHEUS_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 365).default(24),
  MFA_LOGIN_TTL_MINUTES: z.coerce.number().positive().max(60).default(5),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://').optional(),
  MAIL_FROM: z.string().min(3).default('Prometheus <no-reply@prometheus.local>'),
  TRUST_PROXY: bool.default(false),
  RATE_LIMIT_LOGIN_PER_MIN: int(1, 1_000_000).default(30),
  RATE_LIMIT_API_PER_MIN: int(1, 10_000_000).default(1000),
  RATE_LIMIT_AGENT_PER_MIN: int(1, 1_000_000).default(20),
  BODY_LIMIT_BYTES: int(1024, 1024 * 1024 * 1024).default(1024 * 1024),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(10_000),
  TRAINING_MAX_CONCURRENT: int(1, 256).optional(),
  DATASET_MAX_UPLOAD_BYTES: int(1024, 1024 * 1024 * 1024 * 1024).default(100 * 1024 * 1024),
  DATASET_ENGINE_THREADS: int(1, 256).default(2),
  DATASET_ENGINE_MEMORY_MB: int(32, 1024 * 1024).default(128),
  DATASET_MAX_COLUMNS: int(2, 100_000).default(5000),
  DATASET_ZSTD_LEVEL: int(1, 22).default(9),
  DATASET_VALIDATION_TOLERANCE_PERCENT: z.coerce.number().min(0).max(100).default(0),
  CONNECTOR_TIMEOUT_MS: int(100, 3_600_000).default(30_000),
  CONNECTOR_ROW_CAP: int(1, 100_000_000).default(1_000_000),
  CONNECTOR_IMPORT_DIR: z.string().min(1).optional(),
  OUTBOUND_ALLOW: z.string().optional(),
  OUTBOUND_DENY: z.string().optional(),
  MQTT_PORT: int(0, 65535).default(1883),
  MQTT_HOST: z.string().min(1).optional(),
  MQTT_TLS_PORT: int(0, 65535).default(8883),
  MQTT_TLS_CERT: z.string().min(1).optional(),
  MQTT_TLS_KEY: z.string().min(1).optional(),
  MQTT_PUBLIC_URL: z.string().regex(/^mqtts?:\/\/[^/]+$/, 'must be mqtt://host:port or mqtts://host:port').optional(),
  MQTT_WS_PATH: z.string().regex(/^\/[A-Za-z0-9/_-]*$/, 'must be a path such as /mqtt').default('/mqtt'),
  MQTT_MAX_PACKET_BYTES: int(4096, 256 * 1024 * 1024).default(4 * 1024 * 1024),
  MQTT_PREAUTH_MAX_BYTES: int(1024, 16 * 1024 * 1024).default(16 * 1024),
  MQTT_CONNECT_TIMEOUT_MS: int(500, 120_000).default(5_000),
  // An external broker instead of the embedded one (docs/deploy.md "External broker").
  MQTT_URL: z.string().regex(/^mqtts?:\/\/[^/]+$/, 'must be mqtt://user:password@host:port or mqtts://...').optional(),
  MQTT_DEVICE_AUTH: z.enum(['dynsec', 'http-hooks']).default('dynsec'),
  MQTT_SHARE_GROUP: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - only').default('prometheus-hub'),
  MQTT_HOOK_SECRET: z.string().min(24, 'at least 24 characters (it is the broker\'s password to the hub)').optional(),
  MQTT_SESSION_EXPIRY_S: int(0, 86_400).default(15),
  MQTT_BROKER_API_URL: z.string().regex(/^https?:\/\/[^/]+\/?$/, 'must be http(s)://api_key:secret_key@host:port (EMQX 5 management API)').optional(),
  MQTT_MAX_CONNECTIONS_PER_IP: int(1, 1_000_000).default(100),
  ENROLLMENT_TOKEN_TTL_HOURS: z.coerce.number().positive().max(24 * 30).default(24),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_\w+$/, 'must be a Stripe secret key (sk_… or rk_…)').optional(),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, 'must be a Stripe webhook signing secret (whsec_…)').optional(),
  STRIPE_API_URL: z.string().regex(/^https?:\/\/[^/]+\/?$/, 'must be http(s)://host[:port]').optional(),
  STRIPE_PRICE_PRO: z.string().min(1).default('prometheus_pro'),
  STRIPE_PRICE_ENTERPRISE: z.string().min(1).default('prometheus_enterprise'),
  /** Unset: enterprise without billing (a self-hosted hub limits no one), free with billing (paid tiers come from Stripe). */
  DEFAULT_TIER: z.enum(['free', 'pro', 'enterprise']).optional(),
  EXPO_PUSH_URL: z.string().regex(/^https?:\/\/[^/]+\/?$/, 'must be http(s)://host[:port]').default('https://exp.host'),
  EXPO_ACCESS_TOKEN: z.string().min(1).optional(),
  PUSH_BATCH_MS: int(0, 60_000).default(1000),
  PUSH_RECEIPT_DELAY_MS: int(0, 24 * 3_600_000).default(15 * 60_000),
  AGENT_API_URL: z.string().url().optional(),
  AGENT_API_KEY: z.string().min(1).optional(),
  AGENT_MODEL: z.string().min(1).optional(),
  AGENT_TIMEOUT_MS: int(1000, 600_000).default(60_000),
  DEPLOY_CHUNK_BYTES: int(1024, 256 * 1024).default(32 * 1024),
  DEPLOY_WINDOW_CHUNKS: int(1, 256).default(8),
  DEPLOY_STEP_TIMEOUT_S: int(5, 86_400).default(300),
  ROLLOUT_TICK_MS: int(50, 60_000).default(1000),
  DEPLOY_OFFLINE_WAIT_HOURS: z.coerce.number().positive().max(24 * 365).default(168),
  EDGE_BUILD_DIR: z.string().min(1).optional(),
  EDGE_SCORES_RETENTION_DAYS: int(1, 3650).default(30),
  PROMETHEUS_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  PROMETHEUS_REPLICA_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores').optional(),
  TRAINING_LEASE_SECONDS: int(3, 3600).default(30),
  CLUSTER_POLL_MS: int(100, 60_000).default(2000),
  DRIFT_PSI_THRESHOLD: z.coerce.number().positive().max(100).default(0.2),
  DRIFT_MIN_READINGS: int(1, 1_000_000).default(30),
}).refine((e) => !e.MQTT_URL || (URL.canParse(e.MQTT_URL) && new URL(e.MQTT_URL).username !== ''), {
  message: 'must carry the hub\'s credentials: mqtt://user:password@host:port', path: ['MQTT_URL'],
}).refine((e) => !e.MQTT_BROKER_API_URL || (e.MQTT_URL !== undefined && e.MQTT_DEVICE_AUTH === 'http-hooks'), {
  message: 'only with MQTT_URL and MQTT_DEVICE_AUTH=http-hooks (the hub disconnects revoked devices through it)', path: ['MQTT_BROKER_API_URL'],
}).refine((e) => !e.MQTT_BROKER_API_URL || (URL.canParse(e.MQTT_BROKER_API_URL) && new URL(e.MQTT_BROKER_API_URL).username !== ''), {
  message: 'must carry the API key: http(s)://api_key:secret_key@host:port', path: ['MQTT_BROKER_API_URL'],
}).refine((e) => e.PROMETHEUS_ROLE === 'all' || e.DATABASE_URL !== undefined, {
  message: 'api and worker processes share a PostgreSQL store: set DATABASE_URL (one SQLite process is role all)', path: ['PROMETHEUS_ROLE'],
}).refine((e) => (e.MQTT_TLS_CERT === undefined) === (e.MQTT_TLS_KEY === undefined), {
  message: 'set both MQTT_TLS_CERT and MQTT_TLS_KEY, or neither', path: ['MQTT_TLS_CERT'],
}).refine((e) => e.MQTT_MAX_PACKET_BYTES >= e.DEPLOY_CHUNK_BYTES + DEPLOY_CHUNK_OVERHEAD_BYTES, {
  message: `must hold a deploy chunk: at least DEPLOY_CHUNK_BYTES + ${DEPLOY_CHUNK_OVERHEAD_BYTES} (its header, topic and MQTT framing)`, path: ['MQTT_MAX_PACKET_BYTES'],
}).refine((e) => (e.STRIPE_SECRET_KEY === undefined) === (e.STRIPE_WEBHOOK_SECRET === undefined), {
  message: 'set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET, or neither (billing is then off)', path: ['STRIPE_SECRET_KEY'],
}).refine((e) => (e.AGENT_API_URL === undefined) === (e.AGENT_MODEL === undefined), {
  message: 'set AGENT_API_URL and AGENT_MODEL together (AGENT_API_KEY too when the endpoint needs one), or neither', path: ['AGENT_API_URL'],
});

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');

export type Env = Record<string, string | undefined>;

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** PostgreSQL holds every table when set; otherwise SQLite in dataDir (db/client.ts). */
  databaseUrl: string | undefined;
  publicUrl: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** Log bytes queued for a slow stdout reader; beyond it lines are dropped and counted (log-output.ts). */
  logMaxQueuedBytes: number;
  adminPassword: string | undefined;
  sessionTtlMs: number;
  mfaLoginTtlMs: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  trustProxy: boolean;
  rateLimits: { loginPerMin: number; apiPerMin: number; agentPerMin: number };
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  training: {
    /** Runs this process trains at once (a worker's own slots; the cluster's capacity is the sum). */
    maxConcurrent: number;
    /** A claimed run's lease: renewed while training; once it lapses the run is failed (its worker died). */
    leaseMs: number;
  };
  /** Several processes on one store (issue 15): which part this one plays, and how the replicas find each other. */
  cluster: {
    /** The store's PostgreSQL (config.databaseUrl); unset, the hub is one process on SQLite and leads itself. */
    databaseUrl: string | undefined;
    role: 'api' | 'worker' | 'all';
    /** Names this process in /health, metrics and logs (default host-pid-random). */
    replicaId: string;
    /** Leader retry, member heartbeat and training-queue poll interval. */
    pollMs: number;
  };
  datasets: {
    /** The one upload size limit (bytes); tier limits are checked in the datasets service's create path. */
    maxUploadBytes: number;
    engineThreads: number;
    engineMemoryMb: number;
    /** Widest dataset (columns) an upload may bring or an edge target may grow to. */
    maxColumns: number;
    zstdLevel: number;
    /** A numeric column may have this share of missing or non-numeric cells and still validate. */
    validationTolerancePercent: number;
  };
  connectors: {
    timeoutMs: number;
    rowCap: number;
    /** `sqlite` sources may only name files under this directory. */
    importDir: string;
    /** Initial outbound allow/deny lists (hosts, CIDRs); the admin route persists changes. */
    outboundAllow: string[];
    outboundDeny: string[];
  };
  mqtt: MqttSettings;
  enrollmentTtlMs: number;
  billing: BillingSettings;
  push: PushSettings;
  agent: AgentSettings;
  deployments: DeploymentSettings;
  version: string;
}

export interface DeploymentSettings {
  /** Bytes of package per `deploy/chunk` message, and chunks sent ahead of the agent's confirmation. */
  chunkBytes: number;
  windowChunks: number;
  /** An online target that reports no progress for this long gets the manifest again; the third time fails. */
  stepTimeoutMs: number;
  /** A deployment waits this long for an offline (or not yet enrolled) target, then fails. */
  offlineWaitMs: number;
  /** Where `npm run build:edge` leaves the executables of each arch (served by GET /deployments/:id/binary, listed by GET /edge/releases). */
  edgeBuildDir: string;
  scoresRetentionMs: number;
  /** How often the rollout engine looks at its rollouts (ROLLOUT_TICK_MS). */
  rolloutTickMs: number;
  /** Drift: PSI above this raises a `drift` alert; hours with fewer readings decide nothing. */
  drift: { psiThreshold: number; minReadings: number };
}

export interface BillingSettings {
  /** Unset: checkout and portal answer 503 and the webhook 503; tiers are still enforced (admins set them by hand). */
  stripe: { secretKey: string; webhookSecret: string; api: { host: string; port: number; protocol: 'http' | 'https' } | undefined } | undefined;
  /** Stripe price of each paid tier: a price id (`price_…`) or a price lookup key. */
  prices: { pro: string; enterprise: string };
  /** The tier new accounts start on (DEFAULT_TIER). */
  defaultTier: 'free' | 'pro' | 'enterprise';
}

export interface PushSettings {
  /** Expo push service origin (tests point it at a fake). */
  expoUrl: string;
  accessToken: string | undefined;
  /** Notifications wait this long to go out together (at most 100 per request). */
  batchMs: number;
  /** Receipts are checked this long after sending (Expo advises about 15 minutes). */
  receiptDelayMs: number;
}

export interface AgentSettings {
  /** An OpenAI-compatible chat completions endpoint; unset, the local analyst answers. */
  llm: { baseUrl: string; apiKey: string | undefined; model: string; timeoutMs: number } | undefined;
}

export interface MqttSettings {
  host: string;
  port: number;
  tls: { port: number; certFile: string; keyFile: string } | undefined;
  /** Broker URL handed to agents at enrollment. */
  publicUrl: string;
  wsPath: string;
  limits: MqttConnectionLimits;
  /** Set when the hub is a client of an external broker (MQTT_URL) instead of embedding aedes. */
  external: ExternalBrokerSettings | undefined;
  /** Shared secret the broker sends to POST /api/v1/mqtt/auth and /acl (HTTP auth hooks); unset: hooks off. */
  hookSecret: string | undefined;
}

export interface ExternalBrokerSettings {
  /** mqtt(s)://host:port without credentials. */
  url: string;
  username: string;
  password: string;
  /** `dynsec`: the hub administers device clients and roles on Mosquitto; `http-hooks`: the broker asks the hub. */
  deviceAuth: 'dynsec' | 'http-hooks';
  /** `$share/<group>/...`: every replica in the group, each message to one of them. */
  shareGroup: string;
  /**
   * The consumer's persistent session (0: a clean session per connection). A connection cut keeps its place: the
   * broker holds what arrives meanwhile and redelivers what was not acknowledged when the replica reconnects.
   */
  sessionExpiryS: number;
  /** PROMETHEUS_REPLICA_ID when set: the consumer's session outlives a restart of the replica (same client id). */
  stableId?: string | undefined;
  /** EMQX 5 management API (http-hooks mode): revoked devices are disconnected through it at once. */
  brokerApi?: { url: string; apiKey: string; secretKey: string } | undefined;
}

/** What a client may cost the broker (mqtt/connection-guard.ts); the same on TCP, TLS and WebSocket. */
export interface MqttConnectionLimits {
  /** Largest MQTT packet a client may send (fixed header included); larger ones close the connection. */
  maxPacketBytes: number;
  /** Bytes a client may send before its CONNECT is accepted (the CONNECT included). */
  preAuthBytes: number;
  /** A client whose CONNECT is not accepted within this long is disconnected. */
  connectTimeoutMs: number;
  maxConnectionsPerIp: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment into the hub's config; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(blanksRemoved);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.PROMETHEUS_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    logLevel: e.LOG_LEVEL,
    logMaxQueuedBytes: e.LOG_MAX_QUEUED_BYTES,
    adminPassword: e.PROMETHEUS_ADMIN_PASSWORD,
    sessionTtlMs: e.SESSION_TTL_HOURS * 3_600_000,
    mfaLoginTtlMs: e.MFA_LOGIN_TTL_MINUTES * 60_000,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    trustProxy: e.TRUST_PROXY,
    rateLimits: {
      loginPerMin: e.RATE_LIMIT_LOGIN_PER_MIN,
      apiPerMin: e.RATE_LIMIT_API_PER_MIN,
      agentPerMin: e.RATE_LIMIT_AGENT_PER_MIN,
    },
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    training: { maxConcurrent: e.TRAINING_MAX_CONCURRENT ?? os.availableParallelism(), leaseMs: e.TRAINING_LEASE_SECONDS * 1000 },
    cluster: {
      databaseUrl: e.DATABASE_URL, role: e.PROMETHEUS_ROLE, pollMs: e.CLUSTER_POLL_MS,
      replicaId: e.PROMETHEUS_REPLICA_ID ?? `${os.hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`,
    },
    datasets: {
      maxUploadBytes: e.DATASET_MAX_UPLOAD_BYTES, engineThreads: e.DATASET_ENGINE_THREADS, engineMemoryMb: e.DATASET_ENGINE_MEMORY_MB,
      maxColumns: e.DATASET_MAX_COLUMNS,
      zstdLevel: e.DATASET_ZSTD_LEVEL, validationTolerancePercent: e.DATASET_VALIDATION_TOLERANCE_PERCENT,
    },
    connectors: {
      timeoutMs: e.CONNECTOR_TIMEOUT_MS, rowCap: e.CONNECTOR_ROW_CAP,
      importDir: path.resolve(e.CONNECTOR_IMPORT_DIR ?? path.join(e.PROMETHEUS_DATA_DIR, 'imports')),
      outboundAllow: list(e.OUTBOUND_ALLOW), outboundDeny: list(e.OUTBOUND_DENY),
    },
    mqtt: mqttSettings(e),
    enrollmentTtlMs: e.ENROLLMENT_TOKEN_TTL_HOURS * 3_600_000,
    billing: billingSettings(e),
    push: { expoUrl: e.EXPO_PUSH_URL.replace(/\/$/, ''), accessToken: e.EXPO_ACCESS_TOKEN, batchMs: e.PUSH_BATCH_MS, receiptDelayMs: e.PUSH_RECEIPT_DELAY_MS },
    agent: {
      llm: e.AGENT_API_URL && e.AGENT_MODEL
        ? { baseUrl: e.AGENT_API_URL.replace(/\/$/, ''), apiKey: e.AGENT_API_KEY, model: e.AGENT_MODEL, timeoutMs: e.AGENT_TIMEOUT_MS }
        : undefined,
    },
    deployments: {
      chunkBytes: e.DEPLOY_CHUNK_BYTES, windowChunks: e.DEPLOY_WINDOW_CHUNKS, stepTimeoutMs: e.DEPLOY_STEP_TIMEOUT_S * 1000,
      offlineWaitMs: e.DEPLOY_OFFLINE_WAIT_HOURS * 3_600_000,
      edgeBuildDir: path.resolve(e.EDGE_BUILD_DIR ?? fileURLToPath(new URL('../../../dist/edge', import.meta.url))),
      scoresRetentionMs: e.EDGE_SCORES_RETENTION_DAYS * 86_400_000,
      rolloutTickMs: e.ROLLOUT_TICK_MS,
      drift: { psiThreshold: e.DRIFT_PSI_THRESHOLD, minReadings: e.DRIFT_MIN_READINGS },
    },
    version: HUB_VERSION,
  };
}

function billingSettings(e: z.infer<typeof EnvSchema>): BillingSettings {
  const api = e.STRIPE_API_URL ? new URL(e.STRIPE_API_URL) : undefined;
  const protocol = api?.protocol === 'http:' ? 'http' as const : 'https' as const;
  return {
    stripe: e.STRIPE_SECRET_KEY && e.STRIPE_WEBHOOK_SECRET
      ? {
        secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET,
        api: api ? { host: api.hostname, port: Number(api.port || (protocol === 'http' ? 80 : 443)), protocol } : undefined,
      }
      : undefined,
    prices: { pro: e.STRIPE_PRICE_PRO, enterprise: e.STRIPE_PRICE_ENTERPRISE },
    defaultTier: e.DEFAULT_TIER ?? (e.STRIPE_SECRET_KEY ? 'free' : 'enterprise'),
  };
}

function externalBroker(e: z.infer<typeof EnvSchema>): ExternalBrokerSettings | undefined {
  if (!e.MQTT_URL) return undefined;
  const u = new URL(e.MQTT_URL);
  return {
    url: `${u.protocol}//${u.host}`, username: decodeURIComponent(u.username), password: decodeURIComponent(u.password),
    deviceAuth: e.MQTT_DEVICE_AUTH, shareGroup: e.MQTT_SHARE_GROUP, brokerApi: brokerApi(e.MQTT_BROKER_API_URL),
    sessionExpiryS: e.MQTT_SESSION_EXPIRY_S, stableId: e.PROMETHEUS_REPLICA_ID,
  };
}

function brokerApi(raw: string | undefined): ExternalBrokerSettings['brokerApi'] {
  if (!raw) return undefined;
  const u = new URL(raw);
  return { url: `${u.protocol}//${u.host}`, apiKey: decodeURIComponent(u.username), secretKey: decodeURIComponent(u.password) };
}

function mqttSettings(e: z.infer<typeof EnvSchema>): MqttSettings {
  const tlsOn = e.MQTT_TLS_CERT !== undefined && e.MQTT_TLS_KEY !== undefined;
  const publicHost = new URL(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).hostname;
  const external = externalBroker(e);
  return {
    external, hookSecret: e.MQTT_HOOK_SECRET,
    host: e.MQTT_HOST ?? e.HOST,
    port: e.MQTT_PORT,
    tls: tlsOn ? { port: e.MQTT_TLS_PORT, certFile: e.MQTT_TLS_CERT as string, keyFile: e.MQTT_TLS_KEY as string } : undefined,
    // Agents get the external broker's address (never the hub's credentials in MQTT_URL).
    publicUrl: e.MQTT_PUBLIC_URL ?? external?.url ?? (tlsOn ? `mqtts://${publicHost}:${e.MQTT_TLS_PORT}` : `mqtt://${publicHost}:${e.MQTT_PORT}`),
    wsPath: e.MQTT_WS_PATH,
    limits: {
      maxPacketBytes: e.MQTT_MAX_PACKET_BYTES, preAuthBytes: e.MQTT_PREAUTH_MAX_BYTES,
      connectTimeoutMs: e.MQTT_CONNECT_TIMEOUT_MS, maxConnectionsPerIp: e.MQTT_MAX_CONNECTIONS_PER_IP,
    },
  };
}

export const HUB_VERSION = '0.1.0';

/**
 * Tests only: the PostgreSQL server a test run puts its hubs on (`npm run test:pg` sets DATABASE_URL); each test
 * hub gets its own schema there (src/test/pg.ts). Undefined: the tests run on SQLite.
 */
export function testDatabaseServerUrl(env: Env = process.env): string | undefined {
  const url = env.DATABASE_URL;
  return url !== undefined && url !== '' ? url : undefined;
}
