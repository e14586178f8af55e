import { parentPort } from 'node:worker_threads';
import { diagnoseSeries } from '@prometheus/afdd';
import type { DiagnoseJob } from './runner.js';

// Worker side of the runner: runs the rules over one series at a time and answers under the job's id.
parentPort?.on('message', (m: { id: number; job: DiagnoseJob }) => {
  try {
    const diagnosis = diagnoseSeries(m.job.series, m.job.settings, { timeZone: m.job.timeZone });
    parentPort?.postMessage({ id: m.id, ok: true, diagnosis });
  } catch (err) {
    parentPort?.postMessage({ id: m.id, ok: false, message: err instanceof Error ? err.message : String(err) });
  }
});
