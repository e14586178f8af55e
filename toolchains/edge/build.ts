// `npm run build:edge` (all arches) / `npm run build:edge-armv7`: the edge agent (or another entry) as a Node single
// executable per arch (armv7, arm64, x64; settings in arches.ts). Steps per arch: Debian tools -> base binary
// (cached) -> better-sqlite3 cross-compiled (cached) -> esbuild bundle -> SEA blob prepared by the target's node
// (under qemu for ARM) -> postject into a stripped copy -> addon and wasm beside it -> manifest.
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBaseNode } from './base-node.js';
import { ensureBetterSqlite3Addon, resolveBetterSqlite3 } from './better-sqlite3.js';
import { bundleEntry } from './bundle.js';
import { ensureDebianTools } from './debian-tools.js';
import { log, run, step } from './exec.js';
import { checkBuild, hashInputs, manifestPath, sha256File, toolchainFiles, type BuildManifest } from './manifest.js';
import { parseBuildOptions, REPO_ROOT, usage, workDir, type BuildOptions } from './options.js';
import { injectBlob, prepareBlob } from './single-executable.js';
import { betterSqlite3AddonFile, ONNX_WASM_FILE } from '@prometheus/edge-agent/sea-runtime';

/** Printed by --version as the executable's name. */
export const EXECUTABLE_LABEL = 'prometheus-edge';

/** The package.json nearest to the entry: its name and version are the executable's. */
export function owningPackage(entry: string): { name: string; version: string; file: string } {
  for (let dir = dirname(entry); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const { name, version } = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version: string };
      return { name, version, file };
    }
    if (dirname(dir) === dir) throw new Error(`no package.json above ${entry}`);
  }
}

function resolveOnnxWasm(entry: string): { file: string; version: string; packageJson: string } {
  const file = createRequire(entry).resolve(`onnxruntime-web/${ONNX_WASM_FILE}`);
  const packageJson = join(dirname(dirname(file)), 'package.json');
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  return { file, version, packageJson };
}

async function shipBeside(outDir: string, name: string, source: string): Promise<void> {
  const partial = join(outDir, `.${name}.partial-${process.pid}`);
  await copyFile(source, partial);
  await rename(partial, join(outDir, name));
}

export async function buildEdge(options: BuildOptions): Promise<BuildManifest> {
  const { target } = options;
  if (!existsSync(options.entry)) throw new Error(`entry ${options.entry} does not exist`);
  await step(`Debian tools (${target.arch})`, () => ensureDebianTools(target));
  const base = await step(`base binary ${target.baseNode.name}`, () => ensureBaseNode(options.cacheDir, target));
  const sqlite = await resolveBetterSqlite3(options.entry);
  const addon = await step(`better-sqlite3 ${sqlite.version} addon for ${target.arch}`,
    () => ensureBetterSqlite3Addon(options.cacheDir, sqlite, base));
  const addonName = betterSqlite3AddonFile(target.nodeArch);
  log(`addon ${addon.built ? 'cross-compiled' : 'from cache'}: ${addon.key} (needs glibc >= ${addon.minGlibc})`);
  const onnx = resolveOnnxWasm(options.entry);
  const owner = owningPackage(options.entry);
  const version = options.agentVersion ?? owner.version;

  const work = workDir(options);
  await mkdir(work, { recursive: true });
  await mkdir(options.outDir, { recursive: true });
  try {
    const bundle = await step(`bundle ${relative(process.cwd(), options.entry)}`, () =>
      bundleEntry(options.entry, join(work, 'sea-main.cjs'), { executable: EXECUTABLE_LABEL, package: owner.name, version }));
    for (const warning of bundle.warnings) log(`esbuild: ${warning}`);
    // Hashed right after bundling: what esbuild read, as close as possible to when it read it.
    const inputs = hashInputs([...bundle.inputs, ...toolchainFiles(), owner.file, onnx.packageJson,
      join(sqlite.dir, 'package.json'), join(sqlite.dir, 'binding.gyp')]);
    const blob = await step(`SEA blob (${target.arch} node${target.arch === 'x64' ? '' : ' under qemu'})`, () => prepareBlob(base, bundle.file, work));
    const exe = join(options.outDir, options.name);
    const size = await step(`inject blob into stripped ${target.arch} node`, () => injectBlob(base, blob, work, exe));
    await shipBeside(options.outDir, addonName, addon.file);
    await shipBeside(options.outDir, ONNX_WASM_FILE, onnx.file);

    const manifest: BuildManifest = {
      arch: target.arch,
      executable: options.name,
      entry: relative(REPO_ROOT, options.entry),
      version,
      node: base.version,
      betterSqlite3: { version: sqlite.version, addonKey: addon.key, minGlibc: addon.minGlibc },
      onnxruntimeWeb: { version: onnx.version },
      files: Object.fromEntries([options.name, addonName, ONNX_WASM_FILE]
        .map((name) => [name, sha256File(join(options.outDir, name))])),
      inputs,
      sizes: { executable: size, blob: (await stat(blob)).size, bundle: (await stat(bundle.file)).size },
    };
    await writeFile(manifestPath(options), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Builds one arch (or says why it is current with --if-stale) and logs what came out. */
async function buildOne(options: BuildOptions): Promise<void> {
  const exe = join(options.outDir, options.name);
  if (options.ifStale) {
    const state = checkBuild(options);
    if (state.current) return log(`${relative(process.cwd(), exe)} is current (--if-stale): not rebuilt`);
    log(`${relative(process.cwd(), exe)}: building because ${state.reason}`);
  }
  const started = performance.now();
  const manifest = await buildEdge(options);
  const { stdout } = await run('file', ['-b', exe]);
  log(`${relative(process.cwd(), exe)}: ${(manifest.sizes.executable / 1e6).toFixed(1)} MB, ${stdout.trim()}`);
  log(`beside it: ${betterSqlite3AddonFile(options.target.nodeArch)}, ${ONNX_WASM_FILE}; built in ${((performance.now() - started) / 1000).toFixed(1)}s`);
}

async function main(): Promise<void> {
  const builds = parseBuildOptions(process.argv.slice(2));
  if (builds === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  // One after the other: the machines have few cores, and the arches share the bundle's inputs and the cache.
  for (const options of builds) await buildOne(options);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    process.stderr.write(`[edge] build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
