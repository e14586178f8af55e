import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import readline from 'node:readline';
import { ensureBuilt } from '../../toolchains/edge/ensure-built.js';
import { REPO_ROOT, resolveBuildOptions } from '../../toolchains/edge/options.js';
import { armv7Env, qemuCommand } from '../../toolchains/qemu.js';

// The real armv7 agent for tests: built when the executable is missing or stale (the build manifest's input
// hashes; once for all test files, toolchains/edge/ensure-built.ts), then run under qemu-arm-static with the armhf sysroot.
export const edgeBuild = resolveBuildOptions({ arch: 'armv7' });
export const edgeExecutable = join(edgeBuild.outDir, edgeBuild.name);

export function ensureEdgeBuild(timeoutMs = 20 * 60_000): string {
  return ensureBuilt(edgeBuild, timeoutMs);
}

export interface Armv7Proc {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

/** Starts the armv7 executable under qemu; stdout and stderr lines are kept (DEBUG_EDGE_LINK prints them). */
export function runEdge(args: string[], env: NodeJS.ProcessEnv = {}): Armv7Proc {
  const [cmd, argv] = qemuCommand(edgeExecutable, args);
  const child = spawn(cmd, argv, { cwd: REPO_ROOT, env: armv7Env({ ...process.env, ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > 5000) lines.shift();
    if (process.env.DEBUG_EDGE_LINK) process.stderr.write(`[armv7] ${line}\n`);
  };
  readline.createInterface({ input: child.stdout! }).on('line', keep);
  readline.createInterface({ input: child.stderr! }).on('line', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child, lines, exited,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
