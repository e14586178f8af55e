// Build manifest written beside the executable: what went in (versions, every bundled source file's hash,
// the toolchain's own files) and what came out. checkBuild() recomputes the hashes to tell whether an
// existing output is still current, so tests rebuild only when something changed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT, type BuildOptions } from './options.js';

export interface BuildManifest {
  /** armv7, arm64 or x64 (absent in manifests written before the toolchain built more than armv7). */
  arch: string;
  executable: string;
  entry: string;
  version: string;
  node: string;
  betterSqlite3: { version: string; addonKey: string; minGlibc: string };
  onnxruntimeWeb: { version: string };
  /** Files shipped beside the executable (name -> sha256). */
  files: Record<string, string>;
  /** Repo-relative input path -> sha256. */
  inputs: Record<string, string>;
  sizes: { executable: number; blob: number; bundle: number };
}

export function manifestPath(options: BuildOptions): string {
  return join(options.outDir, `${options.name}.manifest.json`);
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The toolchain's own sources: a change to the build itself makes every output stale. */
export function toolchainFiles(): string[] {
  const dir = join(REPO_ROOT, 'toolchains');
  const files: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(path);
    }
  };
  walk(dir);
  return files;
}

export function hashInputs(paths: Iterable<string>): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const path of [...new Set(paths)].sort()) inputs[relative(REPO_ROOT, path)] = sha256File(path);
  return inputs;
}

export type BuildState = { current: true; manifest: BuildManifest } | { current: false; reason: string };

export function checkBuild(options: BuildOptions): BuildState {
  const file = manifestPath(options);
  const exe = join(options.outDir, options.name);
  if (!existsSync(file) || !existsSync(exe)) return { current: false, reason: 'no previous build' };
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as BuildManifest;
  if (manifest.entry !== relative(REPO_ROOT, options.entry)) return { current: false, reason: 'entry changed' };
  if (options.agentVersion !== undefined && manifest.version !== options.agentVersion) return { current: false, reason: `built as version ${manifest.version}` };
  if (manifest.arch !== options.target.arch) return { current: false, reason: `built for ${manifest.arch ?? 'armv7 (old manifest)'}` };
  for (const path of toolchainFiles()) {
    if (!(relative(REPO_ROOT, path) in manifest.inputs)) return { current: false, reason: `new toolchain file ${path}` };
  }
  for (const [path, hash] of Object.entries(manifest.inputs)) {
    const absolute = join(REPO_ROOT, path);
    if (!existsSync(absolute) || sha256File(absolute) !== hash) return { current: false, reason: `${path} changed` };
  }
  for (const [name, hash] of Object.entries(manifest.files)) {
    const shipped = join(options.outDir, name);
    if (!existsSync(shipped) || sha256File(shipped) !== hash) return { current: false, reason: `${name} changed` };
  }
  return { current: true, manifest };
}
