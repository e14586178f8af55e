import { parentPort, Worker } from 'node:worker_threads';

// Work that takes seconds of CPU (scoring with TensorFlow.js, the rules over a year of readings) runs in a worker
// thread, so the hub's event loop (HTTP, WebSockets, MQTT) stays free. One worker runs one job at a time, in the
// order asked; it stays up between jobs (loading its libraries can cost seconds) and ends after `idleMs` without
// work. The parent posts `{id, job}`; the worker (serveJobs) answers `{id, ok: true, result}` or `{id, ok: false,
// message}`.
type Reply<R> = { id: number; ok: true; result: R } | { id: number; ok: false; message: string };

export function createJobWorker<Job, Result>(entry: URL, opts: { idleMs: number; name: string }) {
  let worker: Worker | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let nextId = 0;
  let tail: Promise<unknown> = Promise.resolve();
  const pending = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();

  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  function ensureWorker(): Worker {
    if (worker) return worker;
    const w = new Worker(entry);
    // The hub's server keeps the process alive; an idle worker must not.
    w.unref();
    w.on('message', (m: Reply<Result>) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.ok) p?.resolve(m.result);
      else p?.reject(new Error(m.message));
    });
    w.on('error', (err) => failAll(err));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failAll(new Error(`${opts.name} worker exited with code ${code}`));
    });
    worker = w;
    return w;
  }

  function runNow(job: Job, transfer: ArrayBuffer[]): Promise<Result> {
    clearTimeout(idleTimer);
    const w = ensureWorker();
    const id = ++nextId;
    return new Promise<Result>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      w.postMessage({ id, job }, transfer);
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
    /** Runs one job after the ones asked before it. `transfer` buffers move to the worker (the caller loses them). */
    run(job: Job, transfer: ArrayBuffer[] = []): Promise<Result> {
      const result = tail.then(() => runNow(job, transfer));
      tail = result.catch(() => undefined);
      return result;
    },
    close,
  };
}

/** The worker side: answers each posted job with `handle`'s result (or its error's message) under the job's id. */
export function serveJobs<Job, Result>(handle: (job: Job) => Result | Promise<Result>): void {
  parentPort?.on('message', (m: { id: number; job: Job }) => {
    Promise.resolve().then(() => handle(m.job)).then(
      (result) => parentPort?.postMessage({ id: m.id, ok: true, result }),
      (err: unknown) => parentPort?.postMessage({ id: m.id, ok: false, message: err instanceof Error ? err.message : String(err) }),
    );
  });
}
