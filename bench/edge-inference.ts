// Edge inference benchmark: per-window latency of the LSTM autoencoder (contract defaults: seq 60, hidden 64,
// 2 layers, 8 features) on x64 in onnxruntime-node, onnxruntime-web (wasm, 1 thread) and tfjs (the model it
// came from), float and int8; the armv7 executable's size; onnxruntime-web inside an armv7 executable under
// qemu-arm; and (--rss) the real armv7 agent's RSS after a 24 h-equivalent of 15 s readings (5,760).
//   node --import tsx bench/edge-inference.ts [--windows 100] [--sections latency,exe,qemu,rss] [--readings 5760] [--node-options '...']
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { scoreTable, type TrainingResult } from '@prometheus/ml';
import { loadInferenceModel, normalizeWindow, type RuntimeName } from '@prometheus/ml/inference';
import { checkBuild } from '../toolchains/edge/manifest.js';
import { REPO_ROOT, resolveBuildOptions } from '../toolchains/edge/options.js';
import { armv7Env, qemuCommand } from '../toolchains/qemu.js';
import { betterSqlite3AddonFile } from '@prometheus/edge-agent/sea-runtime';
import { benchModel, benchTable, FEATURES, watchRss } from './edge-bench-support.js';
import { measureAgentRss } from './edge-inference-rss.js';

const { values: args } = parseArgs({
  options: {
    windows: { type: 'string', default: '100' }, sections: { type: 'string', default: 'latency,exe' }, readings: { type: 'string', default: '5760' },
    'node-options': { type: 'string', default: '' },
  },
});
const sections = new Set((args.sections ?? '').split(','));
const N = Number(args.windows);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

async function timeIt(fn: () => Promise<unknown>, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** [single-window median ms, per-window ms when 256 windows go in one call]. */
async function ortLatency(r: TrainingResult, runtime: RuntimeName, int8: boolean): Promise<[number, number]> {
  const m = r.model.metadata;
  const model = await loadInferenceModel(int8 ? r.model.onnx_int8 : r.model.onnx, m, { runtime });
  const table = benchTable(m.sequence_length + 256);
  const rowsAt = (end: number) => Array.from({ length: m.sequence_length }, (_, t) => FEATURES.map((_, f) => (table.values[f] as Float64Array)[end - m.sequence_length + 1 + t] as number));
  const one = rowsAt(m.sequence_length - 1);
  for (let i = 0; i < 5; i++) await model.scoreWindow(one);
  const single = await timeIt(() => model.scoreWindow(one), N);
  const size = m.sequence_length * FEATURES.length;
  const batch = new Float32Array(256 * size);
  for (let w = 0; w < 256; w++) batch.set(normalizeWindow(m, rowsAt(m.sequence_length - 1 + w)), w * size);
  const batched = (await timeIt(() => model.runNormalized(batch, 256), 3)) / 256;
  await model.close();
  return [single, batched];
}

async function tfjsLatency(r: TrainingResult): Promise<[number, number, number]> {
  const T = r.model.metadata.sequence_length;
  await scoreTable(r.model, benchTable(T));
  // @prometheus/ml scores with tfjs only through scoreTable, which builds the layers model on every call: a
  // table too short for any window measures that build, and it is taken off the other two.
  const runs = Math.min(N, 30);
  const build = await timeIt(() => scoreTable(r.model, benchTable(T - 1)), runs);
  const single = (await timeIt(() => scoreTable(r.model, benchTable(T)), runs)) - build;
  const batched = ((await timeIt(() => scoreTable(r.model, benchTable(T + 255)), 3)) - build) / 256;
  return [single, batched, build];
}

async function latencySection(r: TrainingResult): Promise<void> {
  const rows: [string, number, number][] = [];
  for (const runtime of ['onnxruntime-node', 'onnxruntime-web', 'onnx-js'] as const) {
    for (const int8 of [false, true]) rows.push([`${runtime} ${int8 ? 'int8' : 'float'}`, ...(await ortLatency(r, runtime, int8))]);
  }
  const [tfSingle, tfBatched, tfBuild] = await tfjsLatency(r);
  rows.push(['tfjs (wasm backend, the model training made)', tfSingle, tfBatched]);
  const base = rows[0] as [string, number, number];
  console.log(`\n### Per-window latency, x64 (${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg()[0]?.toFixed(1)}), ${N} windows, medians\n`);
  console.log('| runtime | one window (ms) | x node float | per window in a batch of 256 (ms) | x node float |\n|---|---|---|---|---|');
  for (const [name, single, batched] of rows) console.log(`| ${name} | ${ms(single)} | ${(single / base[1]).toFixed(1)} | ${ms(batched)} | ${(batched / base[2]).toFixed(1)} |`);
  console.log(`\ntfjs: building the layers model and loading its weights (${ms(tfBuild)} ms, paid on every scoreTable call) is taken off.`);
}

function executableSection(): void {
  const opts = resolveBuildOptions();
  const exe = path.join(opts.outDir, opts.name);
  if (!fs.existsSync(exe)) return void console.log(`\n(no ${exe}: run npm run build:edge-armv7)`);
  const size = (f: string) => fs.statSync(path.join(opts.outDir, f)).size;
  console.log('\n### The armv7 executable\n');
  console.log(`\`file\`: ${execFileSync('file', ['-b', exe], { encoding: 'utf8' }).trim()}`);
  console.log(`\n| file | bytes | MB |\n|---|---|---|`);
  for (const f of [opts.name, 'ort-wasm-simd-threaded.wasm', betterSqlite3AddonFile('arm')]) console.log(`| ${f} | ${size(f)} | ${(size(f) / 1e6).toFixed(1)} |`);
}

async function qemuSection(r: TrainingResult): Promise<void> {
  const probe = resolveBuildOptions({ entry: 'bench/edge-inference-probe.ts', outDir: 'dist/edge-probe' });
  if (!checkBuild(probe).current) {
    spawnSync('npm', ['run', 'build:edge-armv7', '--', '--entry', probe.entry, '--out-dir', probe.outDir], { cwd: REPO_ROOT, stdio: 'inherit' });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-probe-'));
  fs.writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(r.model.metadata));
  console.log(`\n### Model runtimes inside the armv7 executable under qemu-arm (load ${os.loadavg()[0]?.toFixed(1)})\n`);
  console.log('| runtime | model | V8 flags | first session (ms) | second session (ms) | one window, median of 20 (ms) | longest event-loop block (ms) | peak RSS (MB) |\n|---|---|---|---|---|---|---|---|');
  fs.writeFileSync(path.join(dir, 'float.onnx'), r.model.onnx);
  fs.writeFileSync(path.join(dir, 'int8.onnx'), r.model.onnx_int8);
  // The agent runs onnx-js by default there; onnxruntime-web when configured, with --liftoff-only
  // (apps/edge-agent/src/runtime/model.ts).
  const runs = [['onnx-js', 'float', ''], ['onnx-js', 'int8', ''], ['onnxruntime-web', 'float', ''], ['onnxruntime-web', 'int8', ''], ['onnxruntime-web', 'int8', '--liftoff-only']] as const;
  for (const [runtime, label, flags] of runs) {
    const [cmd, argv] = qemuCommand(path.join(probe.outDir, probe.name), [path.join(dir, `${label}.onnx`), path.join(dir, 'metadata.json'), '20', flags, runtime]);
    const child = spawn(cmd, argv, { env: armv7Env(), stdio: ['ignore', 'pipe', 'inherit'] });
    const rss = watchRss(child.pid as number);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.on('exit', resolve));
    rss.stop();
    const p = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { firstSessionMs: number; secondSessionMs: number; windowMedianMs: number; longestEventLoopBlockMs: number };
    console.log(`| ${runtime} | ${label} | ${flags || 'default'} | ${p.firstSessionMs.toFixed(0)} | ${p.secondSessionMs.toFixed(0)} | ${ms(p.windowMedianMs)} | ${p.longestEventLoopBlockMs.toFixed(0)} | ${rss.peak().toFixed(0)} |`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const r = await benchModel();
  console.log(`model: lstm_autoencoder seq ${r.model.metadata.sequence_length}, hidden 64, 2 layers, ${FEATURES.length} features, ${r.model.num_parameters} parameters; `
    + `ONNX ${r.model.onnx.length} B float, ${r.model.onnx_int8.length} B int8 (trained 1 epoch in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  if (sections.has('latency')) await latencySection(r);
  if (sections.has('exe')) executableSection();
  if (sections.has('qemu')) await qemuSection(r);
  if (sections.has('rss')) await measureAgentRss(r, Number(args.readings), args['node-options']);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
