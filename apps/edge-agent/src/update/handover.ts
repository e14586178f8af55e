import type { AgentConfig } from '../config.js';
import { TransferStore } from '../deploy/transfer-store.js';
import type { Logger } from '../logger.js';
import type { AgentPaths } from '../paths.js';
import { AGENT_VERSION } from '../version.js';
import { clearUpdate, readUpdateState, writeUpdateState } from './state.js';
import { commitSwap, discardNext } from './swap.js';
import { runTrial, stopChild } from './trial.js';
import type { ChildProcess } from 'node:child_process';

// The old process's side of a self-update (README "Self-update"): it records the update, stops its own parts
// (outbox and link closed), runs the new version as a trial on the same state dir, and then either swaps the
// executable and exits for the service manager to start the new one (systemd Restart=always), or rolls back:
// drops the new file, records why, and starts its own parts again. A process starting later (either version)
// settles an update it finds unfinished: running the new version means the swap happened.

export interface UpdatePlan {
  deploymentId: string;
  version: string;
  /** The new executable, staged beside the running one. */
  next: string;
}

let trialChild: ChildProcess | undefined;

/** Start-up (not in a trial run): the outcome of an update the previous process started, for the hub. */
export function settleUnfinishedUpdate(paths: AgentPaths, log: Logger): void {
  const state = readUpdateState(paths);
  if (!state) return;
  const store = new TransferStore(paths.deployments);
  if (AGENT_VERSION === state.to_version) {
    store.setLastOutcome({ deployment_id: state.deployment_id, state: 'deployed' });
    log.info('agent update deployed: running the new version', { deployment: state.deployment_id, from: state.from_version, to: AGENT_VERSION });
  } else {
    discardNext(state.next);
    const reason = `the agent restarted during the trial of ${state.to_version}; kept ${AGENT_VERSION}`;
    store.setLastOutcome({ deployment_id: state.deployment_id, state: 'rolled_back', reason });
    log.warn('agent update rolled back', { deployment: state.deployment_id, reason });
  }
  clearUpdate(paths);
}

export interface HandOverOptions {
  paths: AgentPaths;
  config: AgentConfig;
  /** The running process's own arguments (the trial gets the same, plus --trial). */
  args: string[];
  log: Logger;
  stopAgent(): Promise<void>;
  forward(chunk: Buffer): void;
}

/** 'handed_over': the new executable is in place and the process should exit; 'rolled_back': start again as before. */
export async function tryNewVersion(plan: UpdatePlan, o: HandOverOptions): Promise<'handed_over' | 'rolled_back'> {
  const { paths, log } = o;
  writeUpdateState(paths, { deployment_id: plan.deploymentId, from_version: AGENT_VERSION, to_version: plan.version, next: plan.next, started_at: Date.now() });
  log.info('stopping for the trial of a new agent version', { deployment: plan.deploymentId, version: plan.version });
  await o.stopAgent();
  const result = await runTrial({
    next: plan.next, args: o.args, paths, deploymentId: plan.deploymentId, version: plan.version,
    deadlineMs: o.config.update.trial_deadline_s * 1000, forward: o.forward, onSpawn: (child) => (trialChild = child),
  });
  if (result.ok) {
    commitSwap(process.execPath, plan.next);
    log.info('new agent version healthy: swapped in; handing over', { deployment: plan.deploymentId, version: plan.version });
    await stopChild(result.child, o.config.shutdown_timeout_ms + 2_000);
    trialChild = undefined;
    return 'handed_over';
  }
  trialChild = undefined;
  discardNext(plan.next);
  const reason = `${result.reason}; kept ${AGENT_VERSION}`;
  new TransferStore(paths.deployments).setLastOutcome({ deployment_id: plan.deploymentId, state: 'rolled_back', reason });
  clearUpdate(paths);
  log.warn('agent update rolled back', { deployment: plan.deploymentId, reason });
  return 'rolled_back';
}

/** Shutdown during a trial: the trial child goes too (the next start settles the update as rolled back). */
export async function stopTrial(graceMs: number): Promise<void> {
  if (trialChild) await stopChild(trialChild, graceMs);
}
