// Entry of a probe executable (`npm run build:edge-armv7 -- --entry bench/edge-inference-probe.ts --out-dir
// dist/edge-probe`), run by bench/edge-inference.ts under qemu-arm: how long a model runtime (onnxruntime-web or
// the JavaScript evaluator) takes to start and to score one window inside the armv7 single executable. Prints
// one JSON line.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { loadInferenceModel, type ModelMetadata, type RuntimeOptions } from '@prometheus/ml/inference';
import { onnxWasmPath } from '@prometheus/edge-agent/sea-runtime';

async function main(): Promise<void> {
  const [modelPath, metadataPath, windowsArg, flags, runtimeArg] = process.argv.slice(2);
  if (!modelPath || !metadataPath) throw new Error('usage: probe <model.onnx> <metadata.json> [windows] [v8-flag,v8-flag] [onnxruntime-web|onnx-js]');
  const runtime = (runtimeArg || 'onnxruntime-web') as NonNullable<RuntimeOptions['runtime']>;
  for (const flag of (flags ?? '').split(',').filter(Boolean)) v8.setFlagsFromString(flag);
  const metadata = JSON.parse(readFileSync(metadataPath, 'utf8')) as ModelMetadata;
  const onnx = readFileSync(modelPath);
  const options: RuntimeOptions = runtime === 'onnxruntime-web' ? { runtime, wasmBinary: readFileSync(onnxWasmPath()) } : { runtime };
  // How long the event loop is held: a timer that should fire every 100 ms.
  let longest = 0;
  let last = performance.now();
  const beat = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 100);
  const t0 = performance.now();
  const model = await loadInferenceModel(onnx, metadata, options);
  const firstSessionMs = performance.now() - t0;
  const t1 = performance.now();
  const again = await loadInferenceModel(onnx, metadata, options);
  const secondSessionMs = performance.now() - t1;
  await again.close();
  const rows = Array.from({ length: metadata.sequence_length }, (_, t) => metadata.feature_columns.map((_, f) => (metadata.norm_means[f] as number) + Math.sin(t + f)));
  const n = Number(windowsArg ?? 20);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await model.scoreWindow(rows);
    times.push(performance.now() - s);
  }
  clearInterval(beat);
  times.sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({
    runtime: model.runtime, firstSessionMs, secondSessionMs, longestEventLoopBlockMs: longest, windowMedianMs: times[Math.floor(times.length / 2)],
    flags: flags ?? '',
  })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
