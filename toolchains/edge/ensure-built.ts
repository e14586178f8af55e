// For tests and benches: build an edge executable only when it is missing or stale, once per run of many test
// files. Builds wait on one lock in the cache dir (flock), and the build re-checks its manifest inside the lock
// (--if-stale), so test files starting together build each output once and one build runs at a time.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkBuild } from './manifest.js';
import { REPO_ROOT, type BuildOptions } from './options.js';

export const BUILD_TIMEOUT_MS = 20 * 60_000;

/** 'current' or 'rebuilt (<reason>)'; throws with the build's output when it fails. */
export function ensureBuilt(options: BuildOptions, timeoutMs = BUILD_TIMEOUT_MS): string {
  const state = checkBuild(options);
  if (state.current) return 'current';
  mkdirSync(options.cacheDir, { recursive: true });
  const args = ['run', 'build:edge', '--', '--arch', options.target.arch, '--entry', options.entry, '--out-dir', options.outDir,
    '--name', options.name, '--cache-dir', options.cacheDir, '--if-stale', ...(options.agentVersion ? ['--agent-version', options.agentVersion] : [])];
  const result = spawnSync('flock', [join(options.cacheDir, 'build.lock'), 'npm', ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: timeoutMs });
  if (result.status !== 0) throw new Error(`build:edge (${options.target.arch}) failed (stale because ${state.reason}):\n${result.stderr}`);
  if (!existsSync(join(options.outDir, options.name))) throw new Error(`build:edge made no ${options.name} in ${options.outDir}`);
  return `rebuilt (${state.reason})`;
}
