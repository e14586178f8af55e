import { Worker } from 'node:worker_threads';
import type { AfddSeries, AfddSettings, Diagnosis } from '@prometheus/afdd';

// The rules walk every row (a year of 1-minute data is about ten seconds of CPU): in a worker thread, so the
// hub's event loop keeps serving. One job at a time; the worker stays up between jobs and ends after `idleMs`.
const entry = new URL('./diagnose-worker-entry.mjs', import.meta.url);

export interface DiagnoseJob {
  series: AfddSeries;
  settings: AfddSettings;
  timeZone: string;
}

type Reply = { id: number; ok: true; diagnosis: Diagnosis } | { id: number; ok: false; message: string };

export function createDiagnoseRunner(opts: { idleMs: number }) {
  let worker: Worker | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: (d: Diagnosis) => void; reject: (e: Error) => void }>();

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  function ensureWorker(): Worker {
    if (worker) return worker;
    const w = new Worker(entry);
    w.unref();
    w.on('message', (m: Reply) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.diagnosis);
      else p?.reject(new Error(m.message));
    });
    w.on('error', (err) => failAll(err));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`diagnosis worker exited with code ${code}`));
    });
    worker = w;
    return w;
  }

  async function close(): Promise<void> {
    clearTimeout(idleTimer);
    const w = worker;
    worker = undefined;
    await w?.terminate();
  }

  return {
    /** Runs one job (callers queue: one at a time). The series' buffers move to the worker. */
    run(job: DiagnoseJob): Promise<Diagnosis> {
      clearTimeout(idleTimer);
      const w = ensureWorker();
      const id = ++nextId;
      const buffers = [job.series.timestamps, ...Object.values(job.series.inputs)]
        .map((a) => (a as Float64Array).buffer).filter((b, i, all) => all.indexOf(b) === i);
      return new Promise<Diagnosis>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage({ id, job }, buffers as ArrayBuffer[]);
      }).finally(() => {
        if (pending.size === 0) idleTimer = setTimeout(() => void close(), opts.idleMs).unref();
      });
    },
    close,
  };
}

export type DiagnoseRunner = ReturnType<typeof createDiagnoseRunner>;
