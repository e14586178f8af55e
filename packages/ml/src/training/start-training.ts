import { Worker } from 'node:worker_threads';
import type { EpochProgress } from './loop.js';
import type { WorkerMessage } from './messages.js';
import type { TrainingJob, TrainingResult } from './result.js';
import { TrainingInputError } from './result.js';

export interface TrainingHandle {
  /** Resolves with the result (also after stop(): status "stopped", best weights so far). */
  result: Promise<TrainingResult>;
  /** Asks the worker to stop; it stops before its next batch. */
  stop(): void;
  /** Kills the worker outright (the result promise rejects). */
  terminate(): Promise<void>;
}

export interface TrainingCallbacks {
  onEpoch?: (progress: EpochProgress) => void;
  onLog?: (message: string) => void;
}

// The worker is TypeScript; its plain-JS entry registers tsx in the worker itself, which works
// under `node --import tsx`, under vitest (whose transform does not reach workers) and elsewhere.
const workerUrl = new URL('./worker-entry.mjs', import.meta.url);

/** Starts a training run in a worker thread; the caller's event loop stays free. */
export function startTraining(job: TrainingJob, callbacks: TrainingCallbacks = {}): TrainingHandle {
  const stopFlag = new SharedArrayBuffer(4);
  const worker = new Worker(workerUrl, { workerData: { job, stopFlag } });
  const result = new Promise<TrainingResult>((resolve, reject) => {
    let settled = false;
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'epoch') callbacks.onEpoch?.(m.progress);
      else if (m.type === 'log') callbacks.onLog?.(m.message);
      else if (m.type === 'result') {
        settled = true;
        resolve(m.result);
      } else {
        settled = true;
        const error = m.fieldErrors ? new TrainingInputError(m.fieldErrors) : new Error(m.message);
        if (m.stack) error.stack = m.stack;
        reject(error);
      }
    });
    worker.on('error', (e) => {
      settled = true;
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`training worker exited with code ${code} before a result`));
    });
  });
  result.then(() => worker.terminate(), () => worker.terminate()).catch(() => undefined);
  return {
    result,
    stop: () => Atomics.store(new Int32Array(stopFlag), 0, 1),
    terminate: async () => {
      await worker.terminate();
    },
  };
}
