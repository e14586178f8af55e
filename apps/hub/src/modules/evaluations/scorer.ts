import { createJobWorker } from '../../job-worker.js';
import type { EvaluationJob, EvaluationOutcome } from './evaluate-table.js';

// Scoring a dataset runs TensorFlow.js for seconds to minutes: in the score worker thread (job-worker.ts), one
// job at a time (each takes a core); loading tfjs and its wasm backend costs seconds, so the worker stays up
// between jobs.
const entry = new URL('./score-worker-entry.mjs', import.meta.url);

export function createScorer(opts: { idleMs: number }) {
  const worker = createJobWorker<EvaluationJob, EvaluationOutcome>(entry, { idleMs: opts.idleMs, name: 'evaluation' });
  return {
    /** Scores one job after the ones before it (one at a time). */
    score: (job: EvaluationJob): Promise<EvaluationOutcome> => worker.run(job),
    close: worker.close,
  };
}

export type Scorer = ReturnType<typeof createScorer>;
