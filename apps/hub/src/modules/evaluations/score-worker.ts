import { parentPort, workerData } from 'node:worker_threads';
import { evaluateTable, type EvaluationJob } from './evaluate-table.js';

// Worker side of runEvaluation(): scores the job's table and posts the outcome (or the error's message).
try {
  parentPort?.postMessage({ ok: true, outcome: await evaluateTable(workerData as EvaluationJob) });
} catch (err) {
  parentPort?.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
}
