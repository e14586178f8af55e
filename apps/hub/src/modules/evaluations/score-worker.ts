import { parentPort } from 'node:worker_threads';
import { evaluateTable, type EvaluationJob } from './evaluate-table.js';

// Worker side of the scorer (scorer.ts): scores each job it is sent, one at a time, and answers with
// the outcome or the error's message under the job's id.
parentPort?.on('message', (m: { id: number; job: EvaluationJob }) => {
  evaluateTable(m.job).then(
    (outcome) => parentPort?.postMessage({ id: m.id, ok: true, outcome }),
    (err: unknown) => parentPort?.postMessage({ id: m.id, ok: false, message: err instanceof Error ? err.message : String(err) }),
  );
});
