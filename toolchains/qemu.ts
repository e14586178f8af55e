// Running armv7 binaries on the x86-64 build machines with Debian's qemu-user-static.
//
// - runArmv7(): runs one armv7 program as `qemu-arm-static -L /usr/arm-linux-gnueabihf <program> ...`.
// - registerArmBinfmt(): for programs that spawn children (the kernel must then start armv7 ELF files itself):
//   mounts binfmt_misc if needed and registers Debian's qemu-arm entry; children then also need
//   QEMU_LD_PREFIX, which armv7Env() sets.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export const QEMU_ARM = 'qemu-arm-static';
/** The armhf cross toolchain's own libraries (libc, libstdc++): all the armv7 node needs. */
export const ARMHF_SYSROOT = '/usr/arm-linux-gnueabihf';
export const BINFMT_DIR = '/proc/sys/fs/binfmt_misc';
export const BINFMT_ENTRY = `${BINFMT_DIR}/qemu-arm`;
export const BINFMT_CONF = '/usr/lib/binfmt.d/qemu-arm.conf';

export interface Armv7Result {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Wall time of the emulated run, including qemu start-up. */
  ms: number;
}

export interface Armv7RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Reject when the program exits non-zero (default true). */
  check?: boolean;
}

/** Environment for armv7 programs: QEMU_LD_PREFIX lets binfmt-started children find the armhf libraries. */
export function armv7Env(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, QEMU_LD_PREFIX: ARMHF_SYSROOT };
}

/** The argv that runs `program` under qemu with the armhf sysroot. */
export function qemuCommand(program: string, args: readonly string[] = []): [string, string[]] {
  return [QEMU_ARM, ['-L', ARMHF_SYSROOT, program, ...args]];
}

export function runArmv7(program: string, args: readonly string[] = [], options: Armv7RunOptions = {}): Promise<Armv7Result> {
  const [cmd, argv] = qemuCommand(program, args);
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, {
      cwd: options.cwd,
      env: armv7Env(options.env),
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 120_000,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    if (options.input !== undefined) child.stdin?.end(options.input);
    child.on('error', reject);
    child.on('close', (exitCode, signal) => {
      const result: Armv7Result = {
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        exitCode,
        signal,
        ms: performance.now() - started,
      };
      if ((options.check ?? true) && exitCode !== 0) {
        reject(new Error(`${program} ${args.join(' ')} under qemu exited with ${exitCode ?? signal}\n${result.stderr}`));
      } else {
        resolvePromise(result);
      }
    });
  });
}

/** True when the kernel starts armv7 ELF files through qemu by itself. */
export function armBinfmtRegistered(): boolean {
  return existsSync(BINFMT_ENTRY) && readFileSync(BINFMT_ENTRY, 'utf8').startsWith('enabled');
}

/**
 * Registers qemu-arm with binfmt_misc (root only; a machine-wide setting, idempotent). Debian's entry has the
 * F flag, so the interpreter is opened at registration and also works inside other mount namespaces.
 * Returns why it could not, instead of throwing, so tests can skip with that reason.
 */
export function registerArmBinfmt(): { registered: true } | { registered: false; reason: string } {
  if (armBinfmtRegistered()) return { registered: true };
  if (!existsSync(BINFMT_CONF)) return { registered: false, reason: `${BINFMT_CONF} missing (install qemu-user-static)` };
  try {
    if (!existsSync(`${BINFMT_DIR}/register`)) {
      execFileSync('mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT_DIR], { stdio: 'pipe' });
    }
    if (!existsSync(BINFMT_ENTRY)) writeFileSync(`${BINFMT_DIR}/register`, readFileSync(BINFMT_CONF, 'utf8').trim());
  } catch (error) {
    // Another process may have registered it between the check and the write ("File exists").
    if (armBinfmtRegistered()) return { registered: true };
    return { registered: false, reason: `binfmt registration failed: ${(error as Error).message}` };
  }
  return armBinfmtRegistered() ? { registered: true } : { registered: false, reason: `${BINFMT_ENTRY} is not enabled` };
}
