import { Worker } from 'node:worker_threads';
import type { EvaluationJob, EvaluationOutcome } from './evaluate-table.js';

// Scoring a dataset runs TensorFlow.js for seconds to minutes: in a worker thread, so the hub's event loop
// (HTTP, WebSockets, MQTT) stays free. One worker scores one job at a time (each takes a core); it stays up
// between jobs (loading tfjs and its wasm backend costs seconds) and ends after `idleMs` without work.
const entry = new URL('./score-worker-entry.mjs', import.meta.url);

type Reply = { id: number; ok: true; outcome: EvaluationOutcome } | { id: number; ok: false; message: string };

export function createScorer(opts: { idleMs: number }) {
  let worker: Worker | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let nextId = 0;
  let tail: Promise<unknown> = Promise.resolve();
  const pending = new Map<number, { resolve: (o: EvaluationOutcome) => void; reject: (e: Error) => void }>();

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  function ensureWorker(): Worker {
    if (worker) return worker;
    const w = new Worker(entry);
    // The hub's server keeps the process alive; an idle scorer must not.
    w.unref();
    w.on('message', (m: Reply) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.outcome);
      else p?.reject(new Error(m.message));
    });
    w.on('error', (err) => failAll(err));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`evaluation worker exited with code ${code}`));
    });
    worker = w;
    return w;
  }

  function run(job: EvaluationJob): Promise<EvaluationOutcome> {
    clearTimeout(idleTimer);
    const w = ensureWorker();
    const id = ++nextId;
    return new Promise<EvaluationOutcome>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      w.postMessage({ id, job });
    }).finally(() => {
      if (pending.size === 0) idleTimer = setTimeout(() => void close(), opts.idleMs).unref();
    });
  }

  async function close(): Promise<void> {
    clearTimeout(idleTimer);
    const w = worker;
    worker = undefined;
    await w?.terminate();
  }

  return {
    /** Scores one job after the ones before it (one at a time). */
    score(job: EvaluationJob): Promise<EvaluationOutcome> {
      const result = tail.then(() => run(job));
      tail = result.catch(() => undefined);
      return result;
    },
    close,
  };
}

export type Scorer = ReturnType<typeof createScorer>;
