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

/** The builds present in the build dir, one per arch that has a manifest and its executable. */
export function edgeReleases(dir: string): EdgeRelease[] {
  const releases: EdgeRelease[] = [];
  for (const arch of EDGE_ARCHES) {
    const manifest = readManifest(dir, arch);
    const sha256 = manifest?.files[manifest.executable];
    const size = manifest && sha256 ? executableSize(dir, arch) : null;
    if (manifest && sha256 && size !== null) releases.push({ arch, version: manifest.version, sha256, size_bytes: size });
  }
  return releases;
}
