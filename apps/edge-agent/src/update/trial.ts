import { spawn, type ChildProcess } from 'node:child_process';
import type { AgentPaths } from '../paths.js';
import { clearTrialHealth, readTrialHealth } from './state.js';

// The trial run of a new version: the old process (its own outbox and link closed) starts the new executable
// with its own arguments plus `--trial <deployment>`, on the same state dir. The new version is healthy when it
// writes update/healthy.json naming the deployment and its own pid, which it does once all its parts started and
// its link reached the hub. Exiting first, or saying nothing within the deadline, fails the trial.
export type TrialResult = { ok: true; child: ChildProcess } | { ok: false; reason: string };

const TAIL_BYTES = 600;

export interface TrialOptions {
  next: string;
  args: string[];
  paths: AgentPaths;
  deploymentId: string;
  version: string;
  deadlineMs: number;
  /** Where the child's log lines go (the agent's own stderr). */
  forward: (chunk: Buffer) => void;
  /** The child, as soon as it is spawned (so a shutdown meanwhile can stop it). */
  onSpawn?: (child: ChildProcess) => void;
}

export async function runTrial(o: TrialOptions): Promise<TrialResult> {
  clearTrialHealth(o.paths);
  const child = spawn(o.next, [...o.args, '--trial', o.deploymentId], { stdio: ['ignore', 'inherit', 'pipe'] });
  o.onSpawn?.(child);
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    o.forward(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  });
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`could not be started: ${err.message}`));
    child.once('exit', (code, signal) => resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`));
  });
  const until = Date.now() + o.deadlineMs;
  let ended: string | undefined;
  void exited.then((why) => (ended = why));
  for (;;) {
    const health = readTrialHealth(o.paths);
    if (health && health.deployment_id === o.deploymentId && health.pid === child.pid && ended === undefined) return { ok: true, child };
    if (ended !== undefined) return { ok: false, reason: `agent ${o.version} ${ended} before reporting healthy${lastLine(tail)}` };
    if (Date.now() > until) {
      await stopChild(child, 5_000);
      return { ok: false, reason: `agent ${o.version} did not report healthy within ${Math.round(o.deadlineMs / 1000)} s (stopped)${lastLine(tail)}` };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lastLine = (tail: string) => {
  const line = tail.trim().split('\n').at(-1)?.trim();
  return line ? ` (its last words: ${line.slice(0, 300)})` : '';
};

/** SIGTERM (the agent closes its outbox and link), SIGKILL after `graceMs`; resolves once it is gone. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}
