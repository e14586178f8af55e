// End to end: `npm run build:edge-armv7` makes an armv7 single executable that runs under qemu, with
// better-sqlite3 cross-compiled and onnxruntime-web's wasm beside it. Builds only when an output is missing
// or stale (toolchains/edge/manifest.ts, ensure-built.ts); a cold build (Debian tools, cross-compile) takes a few minutes.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleEntry } from '../toolchains/edge/bundle.js';
import { BUILD_TIMEOUT_MS, ensureBuilt } from '../toolchains/edge/ensure-built.js';
import { REPO_ROOT, resolveBuildOptions } from '../toolchains/edge/options.js';
import { GEMM_INPUT, referenceGemm } from '../toolchains/edge/tiny-model.js';
import { armv7Env, registerArmBinfmt, runArmv7 } from '../toolchains/qemu.js';
import { betterSqlite3AddonFile, ONNX_WASM_FILE } from '@prometheus/edge-agent/sea-runtime';

const agent = resolveBuildOptions({ arch: 'armv7' });
const smoke = resolveBuildOptions({ arch: 'armv7', entry: 'toolchains/edge/smoke-entry.ts', outDir: 'dist/edge-smoke' });

function fileType(path: string): string {
  return execFileSync('file', ['-b', path], { encoding: 'utf8' }).trim();
}

function expectedVersionLine(packageJson: string): string {
  const { name, version } = JSON.parse(readFileSync(join(REPO_ROOT, packageJson), 'utf8')) as { name: string; version: string };
  return `prometheus-edge ${version} (${name}; node v20.11.0 linux-arm)`;
}

describe('armv7 edge executable', () => {
  beforeAll(() => {
    ensureBuilt(agent);
    ensureBuilt(smoke);
  }, BUILD_TIMEOUT_MS * 2);

  it('is a 32-bit ARM ELF executable with the addon and the wasm beside it', () => {
    const exe = join(agent.outDir, agent.name);
    expect(fileType(exe)).toMatch(/^ELF 32-bit LSB (pie )?executable, ARM, EABI5/);
    expect(fileType(join(agent.outDir, betterSqlite3AddonFile('arm')))).toMatch(/^ELF 32-bit LSB shared object, ARM, EABI5/);
    const wasm = readFileSync(join(agent.outDir, ONNX_WASM_FILE));
    expect([...wasm.subarray(0, 4)]).toEqual([0x00, 0x61, 0x73, 0x6d]);
  });

  it('prints the edge agent version under qemu', async () => {
    const { stdout } = await runArmv7(join(agent.outDir, agent.name), ['--version']);
    expect(stdout.trim()).toBe(expectedVersionLine('apps/edge-agent/package.json'));
  });

  it('runs better-sqlite3 in WAL mode and an ONNX model through onnxruntime-web wasm under qemu', async () => {
    const exe = join(smoke.outDir, smoke.name);
    const { stdout: version } = await runArmv7(exe, ['--version']);
    expect(version.trim()).toBe(expectedVersionLine('package.json'));

    const { stdout } = await runArmv7(exe, [], { timeoutMs: 240_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as {
      node: string; arch: string; sea: boolean;
      sqlite: { journalMode: string; walFile: boolean; row: unknown };
      onnx: { wasm: string; output: number[]; dims: number[] };
      imports: { onnxruntimeNode: string; onnxruntimeWebIsWasmBuild: boolean };
      youngGeneration: { newSpaceBytes: number };
    };
    expect(report).toMatchObject({ node: 'v20.11.0', arch: 'arm', sea: true });
    expect(report.sqlite).toMatchObject({ journalMode: 'wal', walFile: true, row: { id: 1, sensor: 'ahu-1/supply-air-temp', value: 12.5 } });
    expect(report.onnx.wasm).toBe(join(smoke.outDir, ONNX_WASM_FILE));
    expect(report.onnx.dims).toEqual([1, 2]);
    const expected = referenceGemm(GEMM_INPUT);
    report.onnx.output.forEach((value, i) => expect(value).toBeCloseTo(expected[i] ?? NaN, 5));
    // What @prometheus/ml/inference's fallback sees: onnxruntime-node "not installed", onnxruntime-web = wasm build.
    expect(report.imports).toEqual({ onnxruntimeNode: 'MODULE_NOT_FOUND', onnxruntimeWebIsWasmBuild: true });
    // The prelude's --semi-space-growth-factor=1 holds: new space stays at its first 2 MB, where this armv7
    // node without the flag doubles it to 4 MB on the same churn (and to 16 MB when the agent is busy).
    expect(report.youngGeneration.newSpaceBytes).toBeGreaterThan(0);
    expect(report.youngGeneration.newSpaceBytes).toBeLessThanOrEqual(2 * 1024 * 1024);
  }, 300_000);

  it('starts as a child process once qemu-arm is registered with binfmt_misc', (ctx) => {
    const binfmt = registerArmBinfmt();
    if (!binfmt.registered) ctx.skip(`cannot register binfmt here: ${binfmt.reason}`);
    const stdout = execFileSync(join(agent.outDir, agent.name), ['--version'], { env: armv7Env(), encoding: 'utf8', timeout: 120_000 });
    expect(stdout.trim()).toBe(expectedVersionLine('apps/edge-agent/package.json'));
  }, 150_000);
});

describe('armv7 bundle', () => {
  it('is minified ASCII (one byte a character on the V8 heap) and keeps class names', async () => {
    mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true });
    const dir = mkdtempSync(join(REPO_ROOT, '.tmp', 'edge-armv7-bundle-'));
    try {
      // A comment inside a class body survives an unminified esbuild bundle, non-ASCII characters and all.
      const entry = join(dir, 'entry.js');
      writeFileSync(entry, 'export class SupplyAirReading {\n  /** Degrees \u2013 RFC 4291 \u00a72 */\n' +
        '  unit() { const supplyAirTemperatureUnit = "\u00b0F"; return supplyAirTemperatureUnit; }\n}\n' +
        'const reading = new SupplyAirReading();\nconsole.log(reading.constructor.name, reading.unit());\n');
      const bundle = await bundleEntry(entry, join(dir, 'bundle.cjs'), { executable: 'x', package: 'y', version: '0' });
      const text = readFileSync(bundle.file, 'latin1');
      expect([...text].findIndex((c) => c.charCodeAt(0) > 0x7f)).toBe(-1);
      expect(text).not.toContain('supplyAirTemperatureUnit');
      const run = spawnSync(process.execPath, [bundle.file], { encoding: 'utf8' });
      expect(run.stdout.trim()).toBe('SupplyAirReading \u00b0F');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('replaces better-sqlite3 native lookup with an explanation instead of a runtime require', async () => {
    mkdirSync(join(REPO_ROOT, '.tmp'), { recursive: true });
    const dir = mkdtempSync(join(REPO_ROOT, '.tmp', 'edge-armv7-bundle-'));
    try {
      const entry = join(dir, 'entry.ts');
      writeFileSync(entry, "import Database from 'better-sqlite3';\nnew Database(':memory:');\n");
      const bundle = await bundleEntry(entry, join(dir, 'bundle.cjs'), { executable: 'x', package: 'y', version: '0' });
      const run = spawnSync(process.execPath, [bundle.file], { encoding: 'utf8' });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('open better-sqlite3 with betterSqlite3Options()');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
