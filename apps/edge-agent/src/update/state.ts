import fs from 'node:fs';
import path from 'node:path';
import type { AgentPaths } from '../paths.js';

// What a self-update leaves in `<state dir>/update/`, so whichever process starts next knows where it stands:
//   state.json    the update in progress (written before the trial starts, removed once its outcome is recorded)
//   healthy.json  written by the new version's trial run once it runs and reached the hub
// Both are written beside, fsynced and renamed, so a reader sees a whole file or none.
export interface UpdateState {
  deployment_id: string;
  from_version: string;
  to_version: string;
  /** The new executable, written beside the running one. */
  next: string;
  started_at: number;
}

export interface TrialHealth {
  deployment_id: string;
  version: string;
  pid: number;
  at: number;
}

const STATE = 'state.json';
const HEALTHY = 'healthy.json';

export function writeJsonSynced(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(value));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export const readUpdateState = (paths: AgentPaths) => readJson<UpdateState>(path.join(paths.update, STATE));
export const writeUpdateState = (paths: AgentPaths, state: UpdateState) => writeJsonSynced(path.join(paths.update, STATE), state);
export const readTrialHealth = (paths: AgentPaths) => readJson<TrialHealth>(path.join(paths.update, HEALTHY));
export const writeTrialHealth = (paths: AgentPaths, health: TrialHealth) => writeJsonSynced(path.join(paths.update, HEALTHY), health);

export function clearUpdate(paths: AgentPaths): void {
  fs.rmSync(path.join(paths.update, HEALTHY), { force: true });
  fs.rmSync(path.join(paths.update, STATE), { force: true });
}

export function clearTrialHealth(paths: AgentPaths): void {
  fs.rmSync(path.join(paths.update, HEALTHY), { force: true });
}
