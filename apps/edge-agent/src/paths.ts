import fs from 'node:fs';
import path from 'node:path';

// Every disk path the agent uses, in one place, all under the state dir.
export interface AgentPaths {
  stateDir: string;
  /** Device id and secret from enrollment (mode 0600). */
  credentials: string;
  /** The store-and-forward outbox and the source position (better-sqlite3, WAL). */
  outbox: string;
  /** Received model packages and the active model (deploy/ and runtime/). */
  deployments: string;
  models: string;
  /** Scores and alerts waiting for the hub (better-sqlite3, WAL). */
  inference: string;
  /** Self-update: the update in progress (`state.json`) and the trial run's health report (`healthy.json`). */
  update: string;
}

export const DEFAULT_STATE_DIR = '/var/lib/prometheus-edge';
export const DEFAULT_CONFIG_FILE = '/etc/prometheus-edge/config.json';

export function agentPaths(stateDir: string): AgentPaths {
  const dir = path.resolve(stateDir);
  return {
    stateDir: dir,
    credentials: path.join(dir, 'credentials.json'),
    outbox: path.join(dir, 'outbox.db'),
    deployments: path.join(dir, 'deployments'),
    models: path.join(dir, 'models'),
    inference: path.join(dir, 'inference.db'),
    update: path.join(dir, 'update'),
  };
}

export function ensureStateDir(paths: AgentPaths): void {
  fs.mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
}
