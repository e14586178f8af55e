import { parentPort, workerData } from 'node:worker_threads';
import type { ModelMetadata } from '@prometheus/ml/core';
import type { RuntimeName } from '@prometheus/ml/inference';
import type { EdgeArch } from './arch.js';
import { compile, quantize } from './steps.js';

// Worker thread of the hub steps `compiling` and `quantizing` (steps-client.ts starts it): onnxruntime is
// loaded here, never in the hub's main thread, and goes with the worker. Posts `compiled`, then `quantized`.
export interface StepsInput {
  axonmlFile: string;
  metadata: ModelMetadata;
  arch: EdgeArch | undefined;
}

export type StepsMessage =
  | { type: 'compiled'; runtime: RuntimeName; floatScore: number; floatBytes: number; ms: number }
  | { type: 'quantized'; onnx: Uint8Array; score: number; delta: number; ms: number }
  | { type: 'error'; message: string };

async function run(input: StepsInput): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('steps-worker runs as a worker thread');
  let t0 = performance.now();
  const compiled = await compile(input.axonmlFile, input.metadata, input.arch);
  port.postMessage({ type: 'compiled', runtime: compiled.runtime, floatScore: compiled.floatScore, floatBytes: compiled.onnx.byteLength, ms: performance.now() - t0 } satisfies StepsMessage);
  t0 = performance.now();
  const q = await quantize(compiled, input.arch);
  port.postMessage({ type: 'quantized', onnx: q.onnx, score: q.score, delta: q.delta, ms: performance.now() - t0 } satisfies StepsMessage, [q.onnx.buffer as ArrayBuffer]);
}

run(workerData as StepsInput).catch((err: unknown) => {
  parentPort?.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies StepsMessage);
});
