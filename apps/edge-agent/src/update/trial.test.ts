import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentPaths } from '../paths.js';
import { runTrial, stopChild } from './trial.js';

// The trial run's three endings, with small shell scripts standing in for the new executable (the real one is
// tried in test/agent-update.test.ts): healthy (it writes update/healthy.json with its pid), exits first, silent.
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup(script: (healthyFile: string) => string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-trial-'));
  dirs.push(dir);
  const paths = agentPaths(dir);
  fs.mkdirSync(paths.update, { recursive: true });
  const next = path.join(dir, '.prometheus-edge.next');
  fs.writeFileSync(next, `#!/bin/sh\n${script(path.join(paths.update, 'healthy.json'))}\n`, { mode: 0o755 });
  return { paths, next };
}

const base = { args: ['run'], deploymentId: 'dep_trial1', version: '0.2.0', forward: () => undefined };

describe('runTrial', () => {
  it('is healthy when the child writes healthy.json naming the deployment and its own pid', async () => {
    // $1 = run, $2 = --trial, $3 = the deployment; $$ = the child's pid.
    const { paths, next } = setup((file) => `printf '{"deployment_id":"%s","version":"0.2.0","pid":%s,"at":1}' "$3" "$$" > ${file}; exec sleep 30`);
    const result = await runTrial({ ...base, next, paths, deadlineMs: 10_000 });
    expect(result.ok).toBe(true);
    if (result.ok) await stopChild(result.child, 2_000);
  });

  it('fails with the exit code and the last line it wrote when it exits first', async () => {
    const { paths, next } = setup(() => 'echo "fatal: cannot start" >&2; exit 3');
    const result = await runTrial({ ...base, next, paths, deadlineMs: 10_000 });
    expect(result).toEqual({ ok: false, reason: 'agent 0.2.0 exited with code 3 before reporting healthy (its last words: fatal: cannot start)' });
  });

  it('stops a child that says nothing within the deadline', async () => {
    const { paths, next } = setup(() => 'exec sleep 30');
    const started = Date.now();
    const result = await runTrial({ ...base, next, paths, deadlineMs: 800 });
    expect(result).toEqual({ ok: false, reason: 'agent 0.2.0 did not report healthy within 1 s (stopped)' });
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
