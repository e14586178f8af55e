// esbuild bundle of an entry for the single executable: CJS, platform node, Node 20.11 syntax.
// Inside a single executable `require` reaches built-ins only, so nothing may be left to resolve at run time:
// - better-sqlite3's own addon lookup (`bindings`) becomes a stub that explains nativeBinding (sea-runtime.ts);
// - onnxruntime-web always resolves to its wasm "bundle" build, which carries the emscripten glue inside
//   (its node and require builds import that glue from a file at run time);
// - onnxruntime-node (no armv7 binary; on arm64/x64 its addon and libonnxruntime.so would have to ship beside the
//   executable and be dlopened: toolchains/README.md, "Inference") and the optional native helpers of ws become stubs that throw
//   MODULE_NOT_FOUND when loaded, as if not installed, so try/catch fallbacks (e.g. @prometheus/ml/inference's
//   onnxruntime-node -> onnxruntime-web) take their JavaScript path;
// - any other external import that is not a Node built-in fails the build (add a stub here if it is optional).
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
import { REPO_ROOT } from './options.js';

export interface BundleInfo {
  /** Name printed by --version. */
  executable: string;
  package: string;
  version: string;
}

export interface BundleResult {
  file: string;
  /** Absolute paths of every source file in the bundle. */
  inputs: string[];
  warnings: string[];
}

const PRELUDE = new URL('./sea-prelude.ts', import.meta.url).pathname;
const STUB_NAMESPACE = 'prometheus-sea-stub';

function notInstalled(name: string, why: string): string {
  return `const error = new Error(${JSON.stringify(`Cannot find module '${name}': ${why}`)});
error.code = 'MODULE_NOT_FOUND';
throw error;`;
}

const STUBS: Record<string, string> = {
  bindings: `module.exports = function bindings(name) {
  throw new Error('bindings(' + JSON.stringify(name) + '): native addons are not looked up inside the edge executable; ' +
    'open better-sqlite3 with betterSqlite3Options() from the agent (src/sea-runtime.ts)');
};`,
  'onnxruntime-node': notInstalled('onnxruntime-node', 'not inside the edge executable; it uses the JS evaluator or onnxruntime-web/wasm ' +
    'with configureOnnxWasm() from the agent (src/sea-runtime.ts)'),
  // ws's optional native speed-ups: not installed here, and native addons cannot be required in the executable.
  bufferutil: notInstalled('bufferutil', 'optional native addon, not in the edge executable'),
  'utf-8-validate': notInstalled('utf-8-validate', 'optional native addon, not in the edge executable'),
};

const seaResolvePlugin: Plugin = {
  name: 'prometheus-sea-resolve',
  setup(pluginBuild) {
    const stubFilter = new RegExp(`^(${Object.keys(STUBS).join('|')})$`);
    pluginBuild.onResolve({ filter: stubFilter }, (args) => ({ path: args.path, namespace: STUB_NAMESPACE }));
    pluginBuild.onLoad({ filter: /.*/, namespace: STUB_NAMESPACE }, (args) => ({ contents: STUBS[args.path], loader: 'js' }));

    pluginBuild.onResolve({ filter: /^onnxruntime-web(\/wasm)?$/ }, async (args) => {
      if (args.pluginData === 'ort-wasm-bundle') return undefined;
      const resolved = await pluginBuild.resolve('onnxruntime-web/wasm', {
        kind: 'import-statement', resolveDir: args.resolveDir, importer: args.importer, pluginData: 'ort-wasm-bundle',
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      if (!resolved.path.endsWith('ort.wasm.bundle.min.mjs')) {
        return { errors: [{ text: `onnxruntime-web/wasm resolved to ${resolved.path}, expected its wasm bundle build` }] };
      }
      return { path: resolved.path };
    });
  },
};

/** External imports left in the bundle that a single executable's require cannot satisfy. */
export function unresolvedImports(metafile: Metafile): string[] {
  const problems: string[] = [];
  for (const [input, { imports }] of Object.entries(metafile.inputs)) {
    for (const imported of imports) {
      // esbuild records an object-valued define as an import of '<define:NAME>' and its own helpers (keepNames'
      // __name) as '<runtime>': both are inlined, not external.
      if (imported.path.startsWith('<define:') || imported.path === '<runtime>') continue;
      if (imported.external && !isBuiltin(imported.path)) problems.push(`${input}: ${imported.kind} ${imported.path}`);
    }
  }
  return problems;
}

export async function bundleEntry(entry: string, outfile: string, info: BundleInfo): Promise<BundleResult> {
  const result = await build({
    stdin: {
      contents: `import ${JSON.stringify(PRELUDE)};\nimport ${JSON.stringify(entry)};\n`,
      resolveDir: REPO_ROOT,
      sourcefile: '<sea-main>',
      loader: 'ts',
    },
    absWorkingDir: REPO_ROOT,
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20.11',
    plugins: [seaResolvePlugin],
    define: {
      __PROMETHEUS_SEA__: 'true',
      __PROMETHEUS_EDGE_BUILD__: JSON.stringify(info),
      // The bundle is CJS: give import.meta the executable's own location instead of esbuild's empty object.
      'import.meta.url': '__prometheus_bundle_url',
      'import.meta.filename': '__filename',
      'import.meta.dirname': '__dirname',
    },
    banner: { js: 'var __prometheus_bundle_url = require("node:url").pathToFileURL(__filename).href;' },
    metafile: true,
    legalComments: 'none',
    // Node keeps the executable's main script as one JS string on the V8 heap, two bytes a character as soon as
    // one character is not ASCII (comments in dependencies have some): unminified that was 4.5 MB of heap.
    // keepNames: class and function names still show in errors and logs.
    minify: true,
    keepNames: true,
    charset: 'ascii',
    logLevel: 'silent',
  });
  const problems = unresolvedImports(result.metafile);
  if (problems.length > 0) {
    throw new Error(`the bundle would require modules that a single executable cannot load:\n  ${problems.join('\n  ')}`);
  }
  const inputs = Object.keys(result.metafile.inputs)
    .filter((input) => !input.startsWith(`${STUB_NAMESPACE}:`) && !input.startsWith('<'))
    .map((input) => join(REPO_ROOT, input));
  const warnings = result.warnings.map((w) => `${w.location ? `${relative(REPO_ROOT, w.location.file)}: ` : ''}${w.text}`);
  return { file: outfile, inputs, warnings };
}
