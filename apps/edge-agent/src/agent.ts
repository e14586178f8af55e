import fs from 'node:fs';
import { createAegisReader } from './aegis/aegis-reader.js';
import { createSensorsPoller } from './aegis/sensors-poller.js';
import type { DeviceStatus } from '@prometheus/protocol';
import type { AgentConfig } from './config.js';
import type { Credentials } from './credentials.js';
import { createHeartbeat, statusMessage } from './heartbeat.js';
import { createCommandRouter, type CommandRouter } from './link/router.js';
import { createLinkSession, type LinkSession } from './link/session.js';
import type { Logger } from './logger.js';
import { createForwarder } from './outbox/forwarder.js';
import { openSqlite } from './outbox/open-db.js';
import { Outbox } from './outbox/outbox.js';
import type { AgentPaths } from './paths.js';
import type { UpdatePlan } from './update/handover.js';

/** A part of the agent with a lifecycle, started in order and stopped in reverse. */
export interface AgentComponent {
  name: string;
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
}

/** What a component added later (deploy/, runtime/) gets: the link, the command router and the paths. */
export interface AgentContext {
  config: AgentConfig;
  credentials: Credentials;
  paths: AgentPaths;
  outbox: Outbox;
  router: CommandRouter;
  link: LinkSession;
  log: Logger;
  /** Runs on every connect, after the link subscribed (e.g. to tell the hub where a transfer stands). */
  onLinkUp(listener: () => void): void;
  /** Fields added to the retained `status` heartbeat (e.g. current_model); `changed()` sends one now. */
  status: { set(fields: Partial<DeviceStatus>): void; changed(): void };
  /** Self-update: `trial` is the deployment this process is the trial run of; `request` hands over to a staged version. */
  update: AgentUpdateHooks;
}

export interface AgentUpdateHooks {
  trial: string | undefined;
  request(plan: UpdatePlan): void;
}

const NO_UPDATES: AgentUpdateHooks = { trial: undefined, request: () => undefined };

export type ComponentFactory = (ctx: AgentContext) => AgentComponent;

/**
 * The agent, composed in one explicit order:
 *   1 outbox (state first: nothing is read that cannot be kept)  2 command router + forwarder (registers `ack`)
 *   3 extra components (deploy/, runtime/: register their leaves before the link subscribes)
 *   4 link (MQTT session)  5 heartbeat  6 source poller (last: it only fills the outbox).
 * Stop runs the same list backwards, so the poller stops first and the outbox closes last.
 */
export function createAgent(config: AgentConfig, credentials: Credentials, paths: AgentPaths, log: Logger, extras: ComponentFactory[] = [],
  update: AgentUpdateHooks = NO_UPDATES) {
  const startedAt = Date.now();
  const outbox = new Outbox(openSqlite(paths.outbox), { maxRows: config.outbox.max_rows, maxBytes: config.outbox.max_bytes });
  const router = createCommandRouter(log);
  const components: AgentComponent[] = [{ name: 'outbox', stop: () => outbox.close() }];
  // The link's callbacks reach parts created after it (they need the link themselves).
  const late: { forwarder?: ReturnType<typeof createForwarder>; heartbeat?: ReturnType<typeof createHeartbeat> } = {};
  const linkUp: (() => void)[] = [];
  let statusFields: Partial<DeviceStatus> = {};

  const link = createLinkSession({
    url: config.mqtt_url ?? credentials.mqtt_url, deviceId: credentials.device_id, secret: credentials.device_secret,
    keepaliveS: config.keepalive_s, reconnect: { initialMs: config.reconnect.initial_ms, maxMs: config.reconnect.max_ms },
    will: statusMessage('offline', undefined, startedAt),
    ca: config.mqtt_ca_file ? fs.readFileSync(config.mqtt_ca_file) : undefined,
  }, router, {
    connected: () => {
      late.heartbeat?.beat();
      late.forwarder?.onConnected();
      for (const listener of linkUp) listener();
    },
    disconnected: () => log.warn('hub link down; readings stay in the outbox'),
  }, log);

  const forwarder = createForwarder({ batchSize: config.batch_size, maxBatchBytes: config.max_batch_bytes, maxInflightBatches: config.max_inflight_batches, ackTimeoutMs: config.ack_timeout_s * 1000 },
    outbox, link, router, log);
  late.forwarder = forwarder;
  components.push(forwarder);
  const ctx: AgentContext = {
    config, credentials, paths, outbox, router, link, log, onLinkUp: (listener) => void linkUp.push(listener),
    status: { set: (fields) => void (statusFields = { ...statusFields, ...fields }), changed: () => late.heartbeat?.beat() },
    update,
  };
  for (const make of extras) components.push(make(ctx));
  components.push({ name: 'link', start: () => link.start(), stop: () => link.stop(statusMessage('offline', outbox, startedAt, statusFields)) });
  const heartbeat = createHeartbeat(config.heartbeat_s * 1000, link, outbox, startedAt, () => statusFields);
  late.heartbeat = heartbeat;
  components.push(heartbeat);
  components.push(createPoller(config, outbox, log, () => forwarder.nudge()));

  let started: AgentComponent[] = [];
  return {
    outbox, router, link,
    async start(): Promise<void> {
      for (const c of components) {
        await c.start?.();
        started.push(c);
      }
      log.info('agent started', { deviceId: credentials.device_id, components: components.map((c) => c.name) });
    },
    async stop(): Promise<void> {
      const order = started.reverse();
      started = [];
      for (const c of order) {
        try {
          await c.stop?.();
        } catch (err) {
          log.error('component failed to stop', { component: c.name, err });
        }
      }
      log.info('agent stopped');
    },
  };
}

/** Reads the source every interval (one poll at a time); a failing source is logged and tried again next time. */
function createPoller(config: AgentConfig, outbox: Outbox, log: Logger, onNew: () => void): AgentComponent {
  const s = config.source;
  const source = s.kind === 'aegis'
    ? createAegisReader({ url: s.url, token: s.token, collection: s.collection, pageSize: s.page_size, maxPerPoll: s.max_per_poll, timeoutMs: s.timeout_ms }, outbox, log)
    : createSensorsPoller({ url: s.url, timeoutMs: s.timeout_ms }, outbox, log);
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let stopping = false;
  let failing = false;

  const tick = () => {
    current = source.poll().then((n) => {
      if (failing) log.info('source reachable again', { source: source.name });
      failing = false;
      if (n > 0) onNew();
    }, (err: unknown) => {
      if (!failing) log.warn('source poll failed', { source: source.name, err });
      failing = true;
    }).finally(() => {
      current = undefined;
      if (!stopping) timer = setTimeout(tick, config.interval_s * 1000);
    });
  };
  return {
    name: `poller:${source.name}`,
    start: () => tick(),
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}

export type Agent = ReturnType<typeof createAgent>;
