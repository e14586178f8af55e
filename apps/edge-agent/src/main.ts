import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createAgent } from './agent.js';
import { ConfigError, loadConfig, type AgentConfig } from './config.js';
import { readCredentials } from './credentials.js';
import { deploymentComponents } from './deploy/index.js';
import { currentModelDir, isComplete } from './deploy/install.js';
import { enroll } from './enroll.js';
import { createLogOutput, createLogger } from './logger.js';
import { openSqlite } from './outbox/open-db.js';
import { Outbox } from './outbox/outbox.js';
import { agentPaths, ensureStateDir } from './paths.js';
import { settleUnfinishedUpdate, stopTrial, tryNewVersion, type UpdatePlan } from './update/handover.js';
import { writeTrialHealth } from './update/state.js';
import { AGENT_VERSION } from './version.js';

// Entry of `prometheus-edge`: arguments and config first (fail fast), then the command. Signals are
// handled here once, with a hard-exit timer in case something refuses to stop.
const USAGE = `usage: prometheus-edge <command> [options]
  enroll --hub <url> --token <token>   exchange a one-time enrollment token for device credentials
  run [--aegis-url <url> | --sensors-url <url>] [--mqtt-url <url>] [--interval <seconds>]
      (--trial <deployment>: set by the agent itself when it tries a new version of itself; not for people)
  status                               outbox depth, drops and identity, as JSON
  --version
every command: --state-dir <dir> (all local state) --config <file> (JSON)`;

const OPTIONS = {
  'state-dir': { type: 'string' }, config: { type: 'string' }, hub: { type: 'string' }, token: { type: 'string' },
  'aegis-url': { type: 'string' }, 'sensors-url': { type: 'string' }, 'mqtt-url': { type: 'string' }, interval: { type: 'string' },
  trial: { type: 'string' }, version: { type: 'boolean' }, help: { type: 'boolean' },
} as const;

function fail(message: string, code = 2): never {
  process.stderr.write(`prometheus-edge: ${message}\n`);
  process.exit(code);
}

/** How long a stopped agent waits for its last log lines to reach a slow reader (within the hard-exit timer). */
const LOG_FLUSH_MS = 1000;

async function run(config: AgentConfig, trial: string | undefined): Promise<void> {
  const paths = agentPaths(config.stateDir);
  const output = createLogOutput(process.stderr, config.log_max_queued_bytes);
  const log = createLogger(config.log_level, output.write);
  const creds = readCredentials(paths.credentials);
  if (!creds) fail(`not enrolled: run 'prometheus-edge enroll --hub <url> --token <token> --state-dir ${paths.stateDir}' first`);
  if (!trial) settleUnfinishedUpdate(paths, log);
  let stopping = false;
  let updating = false;
  const make = () => createAgent(config, creds, paths, log, deploymentComponents(), { trial, request: (plan) => void update(plan) });
  let agent = make();

  // Self-update (README "Self-update"): the new version's trial run, then exit for the service manager to start
  // it (systemd Restart=always), or a rollback: this version's parts start again in this process.
  async function update(plan: UpdatePlan): Promise<void> {
    if (stopping || updating || trial) return;
    updating = true;
    const outcome = await tryNewVersion(plan, {
      paths, config, args: process.argv.slice(2), log, stopAgent: () => agent.stop(), forward: (chunk) => output.write(chunk.toString('utf8')),
    }).catch((err: unknown) => {
      log.error('agent update failed', { err });
      return 'rolled_back' as const;
    });
    if (outcome === 'handed_over') {
      await output.flush(LOG_FLUSH_MS);
      process.exit(0);
    }
    updating = false;
    if (stopping) return;
    agent = make();
    await agent.start();
  }

  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    setTimeout(() => {
      log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdown_timeout_ms).unref();
    stopTrial(config.shutdown_timeout_ms / 2).then(() => agent.stop()).then(() => output.flush(LOG_FLUSH_MS))
      .then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  await agent.start();
  if (trial) await reportTrialHealth(trial, () => agent.link.connected, () => stopping, paths);
}

/** A trial run is healthy once all its parts started and its link reached the hub: it says so in update/healthy.json. */
async function reportTrialHealth(trial: string, connected: () => boolean, stopping: () => boolean, paths: ReturnType<typeof agentPaths>): Promise<void> {
  while (!connected()) {
    if (stopping()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  writeTrialHealth(paths, { deployment_id: trial, version: AGENT_VERSION, pid: process.pid, at: Date.now() });
}

function status(config: AgentConfig): void {
  const paths = agentPaths(config.stateDir);
  const creds = readCredentials(paths.credentials);
  const outbox = new Outbox(openSqlite(paths.outbox), { maxRows: config.outbox.max_rows, maxBytes: config.outbox.max_bytes });
  const s = outbox.stats();
  outbox.close();
  const modelDir = currentModelDir(paths.models);
  const manifest = modelDir && fs.existsSync(path.join(modelDir, 'manifest.json'))
    ? JSON.parse(fs.readFileSync(path.join(modelDir, 'manifest.json'), 'utf8')) as { deployment_id: string; model_id: string; model_version: string } : undefined;
  const out = {
    version: AGENT_VERSION, state_dir: paths.stateDir, enrolled: creds !== undefined, device_id: creds?.device_id ?? null,
    target_name: creds?.target_name ?? null, hub_url: creds?.hub_url ?? null, mqtt_url: config.mqtt_url ?? creds?.mqtt_url ?? null,
    outbox: { depth: s.depth, bytes: s.bytes, dropped_total: s.droppedTotal, acked_seq: s.ackedSeq, last_seq: s.lastSeq },
    model: manifest && modelDir
      ? { deployment_id: manifest.deployment_id, model_id: manifest.model_id, model_version: manifest.model_version, complete: isComplete(modelDir) }
      : null,
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: process.argv.slice(2), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`);
  }
  const { values: v, positionals } = parsed;
  if (v.version) return void process.stdout.write(`${AGENT_VERSION}\n`);
  const command = positionals[0];
  if (v.help || !command) return void process.stdout.write(`${USAGE}\n`);
  let config: AgentConfig;
  try {
    config = loadConfig({ stateDir: v['state-dir'], config: v.config, aegisUrl: v['aegis-url'], sensorsUrl: v['sensors-url'], mqttUrl: v['mqtt-url'], interval: v.interval });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  ensureStateDir(agentPaths(config.stateDir));
  if (command === 'enroll') {
    const hub = v.hub ?? config.hub_url;
    if (!hub || !v.token) fail('enroll needs --hub <url> and --token <token>');
    const creds = await enroll(agentPaths(config.stateDir), hub, v.token);
    process.stdout.write(`enrolled as ${creds.device_id} (${creds.target_name}); broker ${creds.mqtt_url}\n`);
  } else if (command === 'run') {
    await run(config, v.trial);
  } else if (command === 'status') {
    status(config);
  } else {
    fail(`unknown command '${command}'\n${USAGE}`);
  }
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err), 1));
