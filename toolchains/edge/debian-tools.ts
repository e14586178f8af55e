// Debian tools the build needs, installed when missing. apt is serialized across engineers with
// /tmp/prom-apt.lock, and no foreign dpkg architecture is added (the armhf security index breaks apt-get update):
// each cross toolchain's own libraries are the sysroot qemu needs.
import { ARCHES, type ArchSettings } from './arches.js';
import { hasCommand, log, run } from './exec.js';

/** Command every build runs -> Debian package providing it (the cross compilers are per arch, arches.ts). */
export const DEBIAN_TOOLS: Readonly<Record<string, string>> = {
  'qemu-arm-static': 'qemu-user-static',
  'qemu-aarch64-static': 'qemu-user-static',
  file: 'file',
  make: 'make',
  python3: 'python3',
  flock: 'util-linux',
};

export const APT_LOCK = '/tmp/prom-apt.lock';

export async function missingDebianPackages(target: ArchSettings = ARCHES.armv7): Promise<string[]> {
  const missing = new Set<string>();
  for (const [cmd, pkg] of Object.entries({ ...DEBIAN_TOOLS, ...target.crossPackages })) {
    if (!(await hasCommand(cmd))) missing.add(pkg);
  }
  return [...missing];
}

export async function ensureDebianTools(target: ArchSettings = ARCHES.armv7): Promise<string[]> {
  const missing = await missingDebianPackages(target);
  if (missing.length === 0) return [];
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')}; install them as root:\n` +
      `  flock ${APT_LOCK} sh -c 'apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}'`);
  }
  log(`installing Debian packages: ${missing.join(' ')}`);
  const install = `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // flock itself comes from util-linux, which Debian always has; the fallback covers a minimal image.
  if (await hasCommand('flock')) await run('flock', [APT_LOCK, 'sh', '-c', install], { env });
  else await run('sh', ['-c', install], { env });
  const still = await missingDebianPackages(target);
  if (still.length > 0) throw new Error(`apt-get did not provide: ${still.join(' ')}`);
  return missing;
}
