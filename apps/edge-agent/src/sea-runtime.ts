// Runtime side of the edge single executables (armv7, arm64, x64): how bundled code finds its native addon and wasm file,
// the same calls working under plain Node (tsx, tests) and inside the executable.
//
//   import Database from 'better-sqlite3';
//   import * as ort from 'onnxruntime-web/wasm';
//   import { betterSqlite3Options, configureOnnxWasm } from '<this module>';
//   const db = new Database(file, betterSqlite3Options({ timeout: 5000 }));
//   configureOnnxWasm(ort.env);            // before the first InferenceSession.create
//
// Inside the executable (Node 20.11 base: no `node:sea` module, so no SEA assets) the files ship beside the
// executable: `better_sqlite3-linux-<arch>.node` (cross-compiled; one name per arch, so the three builds share a
// directory; the plain `better_sqlite3.node` of earlier armv7 builds is still found) and `ort-wasm-simd-threaded.wasm`. The bundle's `require`
// reaches built-ins only, so the addon is loaded with process.dlopen and handed to better-sqlite3 as
// `nativeBinding`; onnxruntime-web gets the wasm bytes (`env.wasm.wasmBinary`), one thread and no proxy worker,
// so it never fetches a URL, imports a module or starts a Worker at run time.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type * as Ort from 'onnxruntime-web/wasm';

/** Set to true by the armv7 build (esbuild define) in the bundle it turns into the executable. */
declare const __PROMETHEUS_SEA__: boolean | undefined;

/** The addon's name in earlier (armv7-only) builds; still looked for when the per-arch file is absent. */
export const BETTER_SQLITE3_ADDON_FILE = 'better_sqlite3.node';
export const ONNX_WASM_FILE = 'ort-wasm-simd-threaded.wasm';

/** The addon's file name for a Node arch ('arm' is the armv7 build): better_sqlite3-linux-armv7.node, ...-arm64, ...-x64. */
export function betterSqlite3AddonFile(nodeArch: string = process.arch): string {
  return `better_sqlite3-linux-${nodeArch === 'arm' ? 'armv7' : nodeArch}.node`;
}

/** True inside a single executable built by the edge toolchain (toolchains/edge/build.ts). */
export function isSea(): boolean {
  return typeof __PROMETHEUS_SEA__ !== 'undefined' && __PROMETHEUS_SEA__ === true;
}

/** A file shipped beside the executable. Only meaningful inside it. */
export function seaFilePath(name: string): string {
  return join(dirname(process.execPath), name);
}

let addon: object | undefined;

/**
 * The better-sqlite3 native binding inside the executable (loaded once with process.dlopen);
 * undefined under plain Node, where better-sqlite3 finds its own addon.
 */
export function loadBetterSqlite3Binding(): object | undefined {
  if (!isSea()) return undefined;
  if (!addon) {
    const holder = { exports: {} as object };
    const own = seaFilePath(betterSqlite3AddonFile());
    process.dlopen(holder, existsSync(own) ? own : seaFilePath(BETTER_SQLITE3_ADDON_FILE));
    addon = holder.exports;
  }
  return addon;
}

/** better-sqlite3 options with the executable's native binding added when running inside it. */
export function betterSqlite3Options(options: BetterSqlite3.Options = {}): BetterSqlite3.Options {
  const nativeBinding = loadBetterSqlite3Binding();
  // better-sqlite3 accepts the addon object itself (lib/database.js); @types/better-sqlite3 only types the path form.
  return nativeBinding ? { ...options, nativeBinding: nativeBinding as unknown as string } : options;
}

/** Path of onnxruntime-web's wasm build: beside the executable, or in node_modules under plain Node. */
export function onnxWasmPath(): string {
  if (isSea()) return seaFilePath(ONNX_WASM_FILE);
  return createRequire(import.meta.url).resolve(`onnxruntime-web/${ONNX_WASM_FILE}`);
}

/**
 * Prepares onnxruntime-web's wasm backend for Node and the executable alike: the wasm bytes come from
 * onnxWasmPath(), one thread (threads need Workers from blob/URL scripts, which a single executable cannot
 * load), no proxy worker. Call before the first InferenceSession.create().
 */
export function configureOnnxWasm(env: typeof Ort.env): void {
  env.wasm.wasmBinary = readFileSync(onnxWasmPath());
  env.wasm.numThreads = 1;
  env.wasm.proxy = false;
}
