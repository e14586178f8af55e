import fs from 'node:fs';
import path from 'node:path';
import type { EdgeRelease } from '@prometheus/protocol';
import { AppError } from '../../errors.js';
import { EDGE_ARCHES, type EdgeArch } from './arch.js';

// The edge executables `npm run build:edge` leaves in the build dir (toolchains/README.md), one set per arch: the
// executable `prometheus-edge-linux-<arch>`, the better-sqlite3 addon and onnxruntime-web's wasm that sit beside
// it, and its build manifest (arch, versions, sha256 of each file). The hub serves these files; it does not build them.
export type BinaryFile = 'executable' | 'wasm' | 'addon' | 'manifest';

interface BuildManifest {
  arch?: string;
  executable: string;
  version: string;
  node: string;
  files: Record<string, string>;
}

export interface ServedFile {
  path: string;
  name: string;
  size: number;
  sha256: string | undefined;
  version: string;
}

export const edgeExecutableName = (arch: EdgeArch): string => `prometheus-edge-linux-${arch}`;
const manifestName = (arch: EdgeArch) => `${edgeExecutableName(arch)}.manifest.json`;

const howToBuild = (arch: EdgeArch) => `Run \`npm run build:edge -- --arch ${arch}\` (or \`npm run build:edge\` for every arch) in the hub's `
  + 'repository (toolchains/README.md): it installs its Debian tools when missing and takes a few minutes; set EDGE_BUILD_DIR when the build lives elsewhere.';

function readManifest(dir: string, arch: EdgeArch): BuildManifest | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, manifestName(arch)), 'utf8')) as BuildManifest;
    // Manifests of the armv7-only toolchain carry no arch; any other mismatch is a misplaced file.
    return (manifest.arch ?? 'armv7') === arch ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** Refuses a target whose architecture is unknown (no executable can be chosen for it). */
export function assertExecutableArch(arch: EdgeArch | undefined, raw: string | null): asserts arch is EdgeArch {
  if (arch !== undefined) return;
  throw new AppError('CONFLICT', 'The target\'s architecture is not known', {
    details: `Target arch '${raw ?? ''}': enroll the agent (it reports its architecture) or set arch when creating the target `
      + `(executables exist for ${EDGE_ARCHES.join(', ')})`,
  });
}

/** Size of the arch's executable when it is built (the list's `binary_size_bytes`). */
export function executableSize(dir: string, arch: EdgeArch | undefined): number | null {
  if (!arch) return null;
  try {
    return fs.statSync(path.join(dir, edgeExecutableName(arch))).size;
  } catch {
    return null;
  }
}

export function edgeBuildFile(dir: string, arch: EdgeArch, file: BinaryFile): ServedFile {
  const manifest = readManifest(dir, arch);
  if (!manifest || !fs.existsSync(path.join(dir, manifest.executable))) {
    throw new AppError('SERVICE_UNAVAILABLE', `The ${arch} edge executable has not been built on this hub`, { details: howToBuild(arch) });
  }
  const names: Record<BinaryFile, string | undefined> = {
    executable: manifest.executable,
    wasm: Object.keys(manifest.files).find((n) => n.endsWith('.wasm')),
    addon: Object.keys(manifest.files).find((n) => n.endsWith('.node')),
    manifest: manifestName(arch),
  };
  const name = names[file];
  const full = name ? path.join(dir, name) : undefined;
  if (!name || !full || !fs.existsSync(full)) {
    throw new AppError('SERVICE_UNAVAILABLE', `The ${arch} edge build has no ${file} file`, { details: howToBuild(arch) });
  }
  return { path: full, name, size: fs.statSync(full).size, sha256: manifest.files[name], version: manifest.version };
}

/** One build in the build dir: its manifest's arch and version, and the executable's path, sha256 and size. */
export interface AgentRelease extends EdgeRelease {
  path: string;
  node: string;
  /** The better-sqlite3 addon the build ships beside it (name and sha256). */
  addon: { file: string; sha256: string } | undefined;
}

// Beside the canonical `prometheus-edge-linux-<arch>` (what /binary serves), the build dir may hold more builds of
// an arch under other names (`npm run build:edge -- --arch x64 --name prometheus-edge-linux-x64-0.2.0 --version
// 0.2.0`): every `<name>.manifest.json` whose executable is there is a release an agent can be updated to.
function readReleases(dir: string): AgentRelease[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.manifest.json')).sort();
  } catch {
    return [];
  }
  const out: AgentRelease[] = [];
  for (const name of names) {
    let manifest: BuildManifest;
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as BuildManifest;
    } catch {
      continue;
    }
    const arch = (manifest.arch ?? 'armv7') as EdgeArch;
    const sha256 = manifest.files?.[manifest.executable];
    if (!EDGE_ARCHES.includes(arch) || !sha256 || `${manifest.executable}.manifest.json` !== name) continue;
    const size = fileSize(path.join(dir, manifest.executable));
    if (size === null) continue;
    const addonFile = Object.keys(manifest.files).find((n) => n.endsWith('.node'));
    out.push({
      arch, version: manifest.version, sha256, size_bytes: size, path: path.join(dir, manifest.executable), node: manifest.node,
      addon: addonFile ? { file: addonFile, sha256: manifest.files[addonFile] as string } : undefined,
    });
  }
  // Per arch (armv7, arm64, x64), the canonical build first.
  const rank = (r: AgentRelease) => EDGE_ARCHES.indexOf(r.arch) * 2 + (path.basename(r.path) === edgeExecutableName(r.arch) ? 0 : 1);
  return out.sort((a, b) => rank(a) - rank(b));
}

function fileSize(file: string): number | null {
  try {
    return fs.statSync(file).size;
  } catch {
    return null;
  }
}

/** The builds present in the build dir: per arch the canonical one first, then any other versions built beside it. */
export function edgeReleases(dir: string): EdgeRelease[] {
  return readReleases(dir).map(({ arch, version, sha256, size_bytes }) => ({ arch, version, sha256, size_bytes }));
}

/** The build of `version` for `arch`; 404 naming the versions there are when there is none. */
export function agentRelease(dir: string, arch: EdgeArch, version: string): AgentRelease {
  const all = readReleases(dir);
  const found = all.find((r) => r.arch === arch && r.version === version);
  if (found) return found;
  const have = all.filter((r) => r.arch === arch).map((r) => r.version);
  throw new AppError('NOT_FOUND', `No ${arch} build of agent version ${version} on this hub`, {
    details: `${have.length > 0 ? `${arch} versions built: ${[...new Set(have)].join(', ')}` : `no ${arch} build at all`} (GET /api/v1/edge/releases). ${howToBuild(arch)}`,
  });
}
