import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TransferStore } from '../deploy/transfer-store.js';
import { createLogger } from '../logger.js';
import { agentPaths } from '../paths.js';
import { AGENT_VERSION } from '../version.js';
import { settleUnfinishedUpdate } from './handover.js';
import { readUpdateState, writeUpdateState } from './state.js';
import { commitSwap, nextPathFor, previousPathFor, stageExecutable } from './swap.js';

const dirs: string[] = [];
const temp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-update-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const silent = createLogger('silent');

describe('the executable swap', () => {
  it('stages beside the running file, then renames over it, keeping the old one as .previous', () => {
    const dir = temp();
    const exe = path.join(dir, 'prometheus-edge');
    fs.writeFileSync(exe, 'old version', { mode: 0o755 });
    const pkg = path.join(dir, 'package.part');
    fs.writeFileSync(pkg, 'new version');
    const running = fs.openSync(exe, 'r'); // the old process keeps its inode
    const next = stageExecutable(exe, pkg);
    expect(next).toBe(nextPathFor(exe));
    expect(path.dirname(next)).toBe(dir);
    expect(fs.statSync(next).mode & 0o777).toBe(0o755);
    expect(fs.readFileSync(exe, 'utf8')).toBe('old version');
    commitSwap(exe, next);
    expect(fs.readFileSync(exe, 'utf8')).toBe('new version');
    expect(fs.readFileSync(previousPathFor(exe), 'utf8')).toBe('old version');
    expect(fs.existsSync(next)).toBe(false);
    expect(fs.readFileSync(running, 'utf8')).toBe('old version');
    fs.closeSync(running);
    expect(fs.readdirSync(dir).sort()).toEqual(['package.part', 'prometheus-edge', 'prometheus-edge.previous']);
  });
});

describe('an update the previous process left unfinished', () => {
  it('running the new version means the swap happened: deployed', () => {
    const paths = agentPaths(temp());
    writeUpdateState(paths, { deployment_id: 'dep_update1', from_version: '0.0.9', to_version: AGENT_VERSION, next: path.join(paths.stateDir, 'x'), started_at: 1 });
    settleUnfinishedUpdate(paths, silent);
    expect(new TransferStore(paths.deployments).lastOutcome()).toEqual({ deployment_id: 'dep_update1', state: 'deployed' });
    expect(readUpdateState(paths)).toBeUndefined();
  });

  it('still the old version: the trial was interrupted; the staged file goes and the update is rolled back', () => {
    const paths = agentPaths(temp());
    const next = path.join(paths.stateDir, '.prometheus-edge.next');
    fs.writeFileSync(next, 'new');
    writeUpdateState(paths, { deployment_id: 'dep_update2', from_version: AGENT_VERSION, to_version: '9.9.9', next, started_at: 1 });
    settleUnfinishedUpdate(paths, silent);
    expect(new TransferStore(paths.deployments).lastOutcome()).toEqual({
      deployment_id: 'dep_update2', state: 'rolled_back', reason: `the agent restarted during the trial of 9.9.9; kept ${AGENT_VERSION}`,
    });
    expect(fs.existsSync(next)).toBe(false);
    expect(readUpdateState(paths)).toBeUndefined();
  });
});
