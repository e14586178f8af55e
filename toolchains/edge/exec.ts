// Child processes and step timing for the build scripts.
import { spawn } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Lines of output kept for the error message when the command fails. */
  tailLines?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; rejects with the command line and the tail of its output on failure. */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => reject(new Error(`${cmd}: ${error.message}`)));
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code === 0) return resolvePromise({ stdout, stderr });
      const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-(options.tailLines ?? 40)).join('\n');
      reject(new Error(`${[cmd, ...args].join(' ')} exited with ${code ?? signal}\n${tail}`));
    });
  });
}

/** True when `cmd` is found on PATH. */
export async function hasCommand(cmd: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

export function log(message: string): void {
  process.stderr.write(`[edge] ${message}\n`);
}

/** Runs one build step and logs how long it took; the build's timings in the report come from these lines. */
export async function step<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  log(`${label} ...`);
  const result = await fn();
  log(`${label} done in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  return result;
}
