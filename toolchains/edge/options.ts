// Options of the edge build: defaults, CLI flags and their environment-variable twins.
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ARCHES, EDGE_ARCHES, executableName, isEdgeArch, type ArchSettings, type EdgeArch } from './arches.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The armv7 base binary (kept for callers of the armv7-only toolchain; arches.ts has every arch). */
export const BASE_NODE = ARCHES.armv7.baseNode;

/** The fuse Node's single-executable loader looks for (fixed by Node). */
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export const DEFAULT_ENTRY = 'apps/edge-agent/src/main.ts';
export const DEFAULT_OUT_DIR = 'dist/edge';
export const DEFAULT_NAME = executableName('armv7');
export const DEFAULT_CACHE_DIR = '.cache/edge';

export interface BuildOptions {
  /** Target architecture and its settings (arches.ts). */
  target: ArchSettings;
  /** Absolute path of the TypeScript/JavaScript entry bundled into the executable. */
  entry: string;
  /** Absolute directory receiving the executable and the files shipped beside it. */
  outDir: string;
  /** File name of the executable inside outDir. */
  name: string;
  /** Absolute directory of the build cache (base binaries, cross-compiled addons, intermediates), shared by the arches. */
  cacheDir: string;
  /** Skip the build when the output's manifest says it is current (tests and CI build each arch once). */
  ifStale: boolean;
  /** The agent version stamped into the executable and its manifest; default the entry's package.json version. */
  agentVersion: string | undefined;
}

function fromRoot(path: string): string {
  return isAbsolute(path) ? path : resolve(REPO_ROOT, path);
}

const USAGE = `usage: npm run build:edge -- [--arch ARCH[,ARCH]] [--entry FILE] [--out-dir DIR] [--name FILE] [--cache-dir DIR] [--if-stale]
  --arch       ${EDGE_ARCHES.join(', ')} or all (env PROMETHEUS_EDGE_ARCH, default all; npm run build:edge-armv7 passes armv7)
  --entry      entry to bundle (env PROMETHEUS_EDGE_ENTRY, default ${DEFAULT_ENTRY})
  --out-dir    output directory (env PROMETHEUS_EDGE_OUT_DIR, default ${DEFAULT_OUT_DIR})
  --name       executable file name, one arch only (env PROMETHEUS_EDGE_NAME, default prometheus-edge-linux-<arch>)
  --cache-dir  build cache (env PROMETHEUS_EDGE_CACHE_DIR, default ${DEFAULT_CACHE_DIR})
  --if-stale   build only the arches whose output is missing or older than its sources
  --agent-version  version stamped into the executable (--version, status, heartbeats) and its manifest
               (env PROMETHEUS_EDGE_AGENT_VERSION, default the entry's package.json version): a release to update agents to
Relative paths are taken from the repository root.`;

/** `armv7`, `arm64,x64` or `all` -> the arches, in build order. */
export function parseArches(value: string | undefined): EdgeArch[] {
  if (!value || value === 'all') return [...EDGE_ARCHES];
  const arches = value.split(',').map((a) => a.trim());
  for (const a of arches) if (!isEdgeArch(a)) throw new Error(`--arch: unknown arch '${a}' (${EDGE_ARCHES.join(', ')} or all)`);
  return [...new Set(arches)] as EdgeArch[];
}

/** Flags win over environment variables, which win over defaults. One BuildOptions per arch. */
export function parseBuildOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): BuildOptions[] | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      arch: { type: 'string' },
      'if-stale': { type: 'boolean' },
      entry: { type: 'string' },
      'out-dir': { type: 'string' },
      name: { type: 'string' },
      'cache-dir': { type: 'string' },
      'agent-version': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const arches = parseArches(values.arch ?? env.PROMETHEUS_EDGE_ARCH);
  const name = values.name ?? env.PROMETHEUS_EDGE_NAME;
  if (name && arches.length > 1) throw new Error(`--name names one executable: give one --arch (not ${arches.join(', ')})`);
  return arches.map((arch) => resolveBuildOptions({
    arch,
    entry: values.entry ?? env.PROMETHEUS_EDGE_ENTRY,
    outDir: values['out-dir'] ?? env.PROMETHEUS_EDGE_OUT_DIR,
    name,
    cacheDir: values['cache-dir'] ?? env.PROMETHEUS_EDGE_CACHE_DIR,
    ifStale: values['if-stale'] === true,
    agentVersion: values['agent-version'] ?? env.PROMETHEUS_EDGE_AGENT_VERSION,
  }));
}

export interface PartialBuildOptions {
  arch?: EdgeArch | undefined;
  entry?: string | undefined;
  outDir?: string | undefined;
  name?: string | undefined;
  cacheDir?: string | undefined;
  ifStale?: boolean | undefined;
  agentVersion?: string | undefined;
}

/** Defaults filled in; the arch defaults to armv7 (the first and most used build). */
export function resolveBuildOptions(partial: PartialBuildOptions = {}): BuildOptions {
  const target = ARCHES[partial.arch ?? 'armv7'];
  const name = partial.name || executableName(target.arch);
  if (name.includes('/')) throw new Error(`--name must be a file name, got ${name}`);
  if (partial.agentVersion !== undefined && !/^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/.test(partial.agentVersion)) {
    throw new Error(`--agent-version must look like 0.2.0 (letters, digits, . + -), got '${partial.agentVersion}'`);
  }
  return {
    target,
    entry: fromRoot(partial.entry || DEFAULT_ENTRY),
    outDir: fromRoot(partial.outDir || DEFAULT_OUT_DIR),
    name,
    cacheDir: fromRoot(partial.cacheDir || DEFAULT_CACHE_DIR),
    ifStale: partial.ifStale ?? false,
    agentVersion: partial.agentVersion || undefined,
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
