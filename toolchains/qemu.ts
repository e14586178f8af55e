// Running the edge builds' foreign binaries on the x86-64 build machines with Debian's qemu-user-static.
//
// - runOnArch(arch, ...): armv7 as `qemu-arm-static -L /usr/arm-linux-gnueabihf <program> ...`, arm64 as
//   `qemu-aarch64-static -L /usr/aarch64-linux-gnu ...` (each cross toolchain's own libraries are the sysroot),
//   x64 natively. runArmv7() is the armv7 case.
// - registerBinfmt(arch): for programs that spawn children (the kernel must then start foreign ELF files itself):
//   mounts binfmt_misc if needed and registers Debian's qemu entry; children then also need QEMU_LD_PREFIX,
//   which targetEnv() sets.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { EdgeArch } from './edge/arches.js';

/** How each emulated arch runs here; x64 runs natively on the build machines. */
export const QEMU = {
  armv7: { command: 'qemu-arm-static', sysroot: '/usr/arm-linux-gnueabihf', binfmt: 'qemu-arm' },
  arm64: { command: 'qemu-aarch64-static', sysroot: '/usr/aarch64-linux-gnu', binfmt: 'qemu-aarch64' },
} as const;
export type EmulatedArch = keyof typeof QEMU;

export const QEMU_ARM = QEMU.armv7.command;
/** The armhf cross toolchain's own libraries (libc, libstdc++): all the armv7 node needs. */
export const ARMHF_SYSROOT = QEMU.armv7.sysroot;
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

const emulated = (arch: EdgeArch) => (arch === 'x64' ? undefined : QEMU[arch]);

/** Environment for a target's programs: QEMU_LD_PREFIX lets binfmt-started children find the cross libraries. */
export function targetEnv(arch: EdgeArch, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const qemu = emulated(arch);
  return qemu ? { ...env, QEMU_LD_PREFIX: qemu.sysroot } : { ...env };
}

/** The argv that runs `program` for `arch` here: under qemu with the arch's sysroot, or directly for x64. */
export function targetCommand(arch: EdgeArch, program: string, args: readonly string[] = []): [string, string[]] {
  const qemu = emulated(arch);
  return qemu ? [qemu.command, ['-L', qemu.sysroot, program, ...args]] : [program, [...args]];
}

export const armv7Env = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => targetEnv('armv7', env);
export const qemuCommand = (program: string, args: readonly string[] = []): [string, string[]] => targetCommand('armv7', program, args);

export function runOnArch(arch: EdgeArch, program: string, args: readonly string[] = [], options: Armv7RunOptions = {}): Promise<Armv7Result> {
  const [cmd, argv] = targetCommand(arch, program, args);
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(cmd, argv, {
      cwd: options.cwd,
      env: targetEnv(arch, options.env),
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
        reject(new Error(`${program} ${args.join(' ')} (${arch}) exited with ${exitCode ?? signal}\n${result.stderr}`));
      } else {
        resolvePromise(result);
      }
    });
  });
}

export const runArmv7 = (program: string, args: readonly string[] = [], options: Armv7RunOptions = {}): Promise<Armv7Result> =>
  runOnArch('armv7', program, args, options);

/** True when the kernel starts the arch's ELF files through qemu by itself. */
export function binfmtRegistered(arch: EmulatedArch): boolean {
  const entry = `${BINFMT_DIR}/${QEMU[arch].binfmt}`;
  return existsSync(entry) && readFileSync(entry, 'utf8').startsWith('enabled');
}

export const armBinfmtRegistered = (): boolean => binfmtRegistered('armv7');

/**
 * Registers the arch's qemu with binfmt_misc (root only; a machine-wide setting, idempotent). Debian's entries have
 * the F flag, so the interpreter is opened at registration and also works inside other mount namespaces.
 * Returns why it could not, instead of throwing, so tests can skip with that reason.
 */
export function registerBinfmt(arch: EmulatedArch): { registered: true } | { registered: false; reason: string } {
  const entry = `${BINFMT_DIR}/${QEMU[arch].binfmt}`;
  const conf = `/usr/lib/binfmt.d/${QEMU[arch].binfmt}.conf`;
  if (binfmtRegistered(arch)) return { registered: true };
  if (!existsSync(conf)) return { registered: false, reason: `${conf} missing (install qemu-user-static)` };
  try {
    if (!existsSync(`${BINFMT_DIR}/register`)) {
      execFileSync('mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT_DIR], { stdio: 'pipe' });
    }
    if (!existsSync(entry)) writeFileSync(`${BINFMT_DIR}/register`, readFileSync(conf, 'utf8').trim());
  } catch (error) {
    // Another process may have registered it between the check and the write ("File exists").
    if (binfmtRegistered(arch)) return { registered: true };
    return { registered: false, reason: `binfmt registration failed: ${(error as Error).message}` };
  }
  return binfmtRegistered(arch) ? { registered: true } : { registered: false, reason: `${entry} is not enabled` };
}

export const registerArmBinfmt = () => registerBinfmt('armv7');
