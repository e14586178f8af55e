// Cross-compiles better-sqlite3's addon for the target arch against the base binary's headers (Debian's cross gcc;
// the host's own gcc for x64), once per (better-sqlite3 version, Node version, arch, compiler version); later builds
// reuse the cached file.
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { run } from './exec.js';
import { REPO_ROOT } from './options.js';
import { renameUnlessDone, type BaseNode } from './base-node.js';
import { runOnArch } from '../qemu.js';
import { betterSqlite3AddonFile } from '@prometheus/edge-agent/sea-runtime';

/** What node-gyp writes. */
const ADDON_FILE = 'better_sqlite3.node';

/** Bump when the compile recipe below changes, so cached addons built the old way are not reused. */
const RECIPE = 2;

export interface BetterSqlite3Package {
  version: string;
  dir: string;
}

export interface CrossAddon {
  key: string;
  file: string;
  /** Highest GLIBC_x.y symbol version the addon imports: the device's glibc must be at least this. */
  minGlibc: string;
  built: boolean;
}

/** The better-sqlite3 the entry would import (so the addon matches the JavaScript that gets bundled). */
export async function resolveBetterSqlite3(entry: string): Promise<BetterSqlite3Package> {
  const manifest = createRequire(entry).resolve('better-sqlite3/package.json');
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
  return { version, dir: dirname(manifest) };
}

async function crossCompilerVersion(prefix: string): Promise<string> {
  const { stdout } = await run(`${prefix}g++`, ['-dumpfullversion']);
  return stdout.trim();
}

function crossEnv(prefix: string): NodeJS.ProcessEnv {
  const tool = (name: string) => `${prefix}${name}`;
  // npm exports its config to scripts: an npmrc `nodedir=/usr` (these machines have one) reaches node-gyp as
  // npm_config_nodedir and wins over --nodedir, compiling against the host's headers. Recipe 2 drops it.
  const { npm_config_nodedir: _hostNodedir, npm_config_arch: _hostArch, ...env } = process.env;
  return {
    ...env,
    CC: tool('gcc'), CXX: tool('g++'), LINK: tool('g++'), AR: tool('ar'), RANLIB: tool('ranlib'),
    CC_host: 'gcc', CXX_host: 'g++', LINK_host: 'g++', AR_host: 'ar',
  };
}

async function compile(pkg: BetterSqlite3Package, base: BaseNode, workDir: string): Promise<string> {
  await rm(workDir, { recursive: true, force: true });
  // Build in a copy: node-gyp writes build/ in place, and node_modules holds the host's x64 addon.
  await cp(pkg.dir, workDir, {
    recursive: true,
    filter: (src) => !/^[\\/](build|node_modules|prebuilds)$/.test(src.slice(pkg.dir.length)),
  });
  const nodeGyp = createRequire(join(REPO_ROOT, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  await run(process.execPath, [nodeGyp, 'rebuild', '--release', `--arch=${base.target.nodeArch}`, `--nodedir=${base.dir}`, '--jobs=2'],
    { cwd: workDir, env: crossEnv(base.target.crossPrefix), tailLines: 60 });
  return join(workDir, 'build', 'Release', ADDON_FILE);
}

async function minGlibc(file: string, prefix: string): Promise<string> {
  const { stdout } = await run(`${prefix}objdump`, ['-T', file]);
  const versions = [...stdout.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const top = versions.at(-1);
  return top ? `${top[0]}.${top[1]}` : 'unknown';
}

/** Loads the addon in the base binary (under qemu for ARM): catches ABI or architecture mistakes at build time. */
async function checkLoads(base: BaseNode, file: string): Promise<void> {
  const script = 'const m={exports:{}};process.dlopen(m,process.argv[1]);' +
    "if(typeof m.exports.Database!=='function')throw new Error('no Database export');";
  await runOnArch(base.target.arch, base.binary, ['-e', script, file]);
}

export async function ensureBetterSqlite3Addon(cacheDir: string, pkg: BetterSqlite3Package, base: BaseNode): Promise<CrossAddon> {
  const prefix = base.target.crossPrefix;
  const key = `better-sqlite3-${pkg.version}-node-v${base.version}-${base.target.arch}-gcc${await crossCompilerVersion(prefix)}-r${RECIPE}`;
  const dir = join(cacheDir, 'addons', key);
  const file = join(dir, betterSqlite3AddonFile(base.target.nodeArch));
  const built = !existsSync(file);
  if (built) {
    const work = join(cacheDir, 'addons', `.work-${key}-${process.pid}`);
    try {
      const compiled = await compile(pkg, base, work);
      const staged = join(work, 'staged');
      await mkdir(staged, { recursive: true });
      const strippedFile = join(staged, betterSqlite3AddonFile(base.target.nodeArch));
      await run(`${prefix}strip`, ['--strip-unneeded', '-o', strippedFile, compiled]);
      await checkLoads(base, strippedFile);
      await rm(dir, { recursive: true, force: true });
      await renameUnlessDone(staged, dir, file);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  return { key, file, minGlibc: await minGlibc(file, prefix), built };
}
