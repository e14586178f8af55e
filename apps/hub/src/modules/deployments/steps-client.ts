import { Worker } from 'node:worker_threads';
import type { StepsInput, StepsMessage } from './steps-worker.js';

type Compiled = Extract<StepsMessage, { type: 'compiled' }>;
type Quantized = Extract<StepsMessage, { type: 'quantized' }>;

const entry = new URL('./steps-worker-entry.mjs', import.meta.url);

/** Runs `compiling` then `quantizing` in a worker thread; each promise settles when its step ends (or fails). */
export function runHubSteps(input: StepsInput): { compiled: Promise<Compiled>; quantized: Promise<Quantized> } {
  const worker = new Worker(entry, { workerData: input });
  const waiters: { resolve: (m: never) => void; reject: (e: Error) => void }[] = [];
  const compiled = new Promise<Compiled>((resolve, reject) => waiters.push({ resolve: resolve as (m: never) => void, reject }));
  const quantized = new Promise<Quantized>((resolve, reject) => waiters.push({ resolve: resolve as (m: never) => void, reject }));
  quantized.catch(() => undefined); // a compile failure rejects both; the caller awaits compiled first
  const failAll = (err: Error) => {
    for (const w of waiters.splice(0)) w.reject(err);
  };
  worker.on('message', (m: StepsMessage) => {
    if (m.type === 'error') failAll(new Error(m.message));
    else waiters.shift()?.resolve(m as never);
    if (m.type !== 'compiled') void worker.terminate();
  });
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the steps worker exited (${code}) before finishing`)));
  return { compiled, quantized };
}
