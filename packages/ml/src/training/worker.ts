import { parentPort, workerData } from 'node:worker_threads';
import { runTraining } from './run.js';
import type { TrainingJob } from './result.js';
import { TrainingInputError } from './result.js';
import type { WorkerMessage } from './messages.js';

// Worker entry: runs one job. The stop flag is shared memory, read before every batch, so a stop
// lands within one batch even though the training loop never yields to this thread's event loop.

const { job, stopFlag } = workerData as { job: TrainingJob; stopFlag: SharedArrayBuffer };
const stop = new Int32Array(stopFlag);
const post = (m: WorkerMessage, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(m, transfer);

try {
  const result = await runTraining(job, {
    shouldStop: () => Atomics.load(stop, 0) === 1,
    onEpoch: (progress) => post({ type: 'epoch', progress }),
    onLog: (message) => post({ type: 'log', message }),
  });
  post({ type: 'result', result });
} catch (error) {
  const e = error as Error;
  post({ type: 'error', message: e.message, stack: e.stack ?? null, fieldErrors: error instanceof TrainingInputError ? error.errors : null });
}
