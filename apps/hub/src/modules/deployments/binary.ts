import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../errors.js';
import type { EdgeArch } from './arch.js';

// The armv7 edge executable `npm run build:edge-armv7` leaves in the build dir (toolchains/README.md): the
// executable, onnxruntime-web's wasm and the better-sqlite3 addon that must sit beside it, and the build
// manifest (versions, sha256 of each file). The hub serves these files; it does not build them.
export const EDGE_EXECUTABLE = 'prometheus-edge-linux-armv7';
export type BinaryFile = 'executable' | 'wasm' | 'addon' | 'manifest';

interface BuildManifest {
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

const howToBuild = 'Run `npm run build:edge-armv7` in the hub\'s repository (toolchains/README.md): it installs its Debian tools when '
  + 'missing and takes a few minutes; set EDGE_BUILD_DIR when the build lives elsewhere.';

function readManifest(dir: string): BuildManifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, `${EDGE_EXECUTABLE}.manifest.json`), 'utf8')) as BuildManifest;
  } catch {
    return undefined;
  }
}

/** Refuses architectures without an executable, with what to do instead. */
export function assertExecutableArch(arch: EdgeArch | undefined, raw: string | null): void {
  if (arch === 'armv7') return;
  if (arch === undefined) {
    throw new AppError('CONFLICT', 'The target\'s architecture is not known', {
      details: `Target arch '${raw ?? ''}': enroll the agent (it reports its architecture) or set arch when creating the target`,
    });
  }
  throw new AppError('CONFLICT', `No single executable for ${arch} targets`, {
    details: `The edge executable is built for armv7 controllers only; on ${arch} run the agent under Node 20: `
      + 'npm install -w @prometheus/edge-agent, then npx prometheus-edge enroll/run (apps/edge-agent/README.md)',
  });
}

/** Size of the armv7 executable when it is built (the list's `binary_size_bytes`). */
export function executableSize(dir: string): number | null {
  try {
    return fs.statSync(path.join(dir, EDGE_EXECUTABLE)).size;
  } catch {
    return null;
  }
}

export function edgeBuildFile(dir: string, file: BinaryFile): ServedFile {
  const manifest = readManifest(dir);
  if (!manifest || !fs.existsSync(path.join(dir, manifest.executable))) {
    throw new AppError('SERVICE_UNAVAILABLE', 'The armv7 edge executable has not been built on this hub', { details: howToBuild });
  }
  const names: Record<BinaryFile, string | undefined> = {
    executable: manifest.executable,
    wasm: Object.keys(manifest.files).find((n) => n.endsWith('.wasm')),
    addon: Object.keys(manifest.files).find((n) => n.endsWith('.node')),
    manifest: `${EDGE_EXECUTABLE}.manifest.json`,
  };
  const name = names[file];
  const full = name ? path.join(dir, name) : undefined;
  if (!name || !full || !fs.existsSync(full)) {
    throw new AppError('SERVICE_UNAVAILABLE', `The edge build has no ${file} file`, { details: howToBuild });
  }
  return { path: full, name, size: fs.statSync(full).size, sha256: manifest.files[name], version: manifest.version };
}
