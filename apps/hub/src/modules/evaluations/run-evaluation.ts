import { Worker } from 'node:worker_threads';
import type { EvaluationJob, EvaluationOutcome } from './evaluate-table.js';

// Scoring a dataset runs TensorFlow.js for seconds to minutes: in a worker thread, so the hub's event
// loop (HTTP, WebSockets, MQTT) stays free. One worker per evaluation, ended when it answers.
const entry = new URL('./score-worker-entry.mjs', import.meta.url);

export function runEvaluation(job: EvaluationJob): Promise<EvaluationOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(entry, { workerData: job });
    let answered = false;
    worker.once('message', (m: { ok: true; outcome: EvaluationOutcome } | { ok: false; message: string }) => {
      answered = true;
      if (m.ok) resolve(m.outcome);
      else reject(new Error(m.message));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      answered = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`evaluation worker exited with code ${code} before answering`));
    });
  });
}
