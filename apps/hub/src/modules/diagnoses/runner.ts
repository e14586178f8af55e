import type { AfddSeries, AfddSettings, Diagnosis } from '@prometheus/afdd';
import { createJobWorker } from '../../job-worker.js';

// The rules walk every row (a year of 1-minute data is about ten seconds of CPU): in a worker thread, so the
// hub's event loop keeps serving (job-worker.ts: one job at a time; the worker stays up between jobs).
const entry = new URL('./diagnose-worker-entry.mjs', import.meta.url);

export interface DiagnoseJob {
  series: AfddSeries;
  settings: AfddSettings;
  timeZone: string;
}

export function createDiagnoseRunner(opts: { idleMs: number }) {
  const worker = createJobWorker<DiagnoseJob, Diagnosis>(entry, { idleMs: opts.idleMs, name: 'diagnosis' });
  return {
    /** Runs one job after the ones before it. The series' buffers move to the worker. */
    run(job: DiagnoseJob): Promise<Diagnosis> {
      const buffers = [job.series.timestamps, ...Object.values(job.series.inputs)]
        .map((a) => (a as Float64Array).buffer).filter((b, i, all) => all.indexOf(b) === i);
      return worker.run(job, buffers as ArrayBuffer[]);
    },
    close: worker.close,
  };
}

export type DiagnoseRunner = ReturnType<typeof createDiagnoseRunner>;
