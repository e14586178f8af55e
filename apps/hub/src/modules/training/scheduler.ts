// The training queue: at most `maxConcurrent` runs at once, the rest wait in arrival order (FIFO) and the
// next starts as soon as a slot frees. It knows run ids only; `execute` does a run's whole life.
export interface SchedulerOptions {
  maxConcurrent: number;
  execute: (runId: string, fromQueue: boolean) => Promise<void>;
  onError: (runId: string, err: unknown) => void;
}

export function createScheduler(opts: SchedulerOptions) {
  const queue: string[] = [];
  const active = new Map<string, Promise<void>>();
  // Runs that could not start at once: their start is reported as "from the queue".
  const waited = new Set<string>();
  let closed = false;

  function pump(): void {
    while (!closed && active.size < opts.maxConcurrent && queue.length > 0) {
      const id = queue.shift() as string;
      const done = opts.execute(id, waited.delete(id))
        .catch((err: unknown) => opts.onError(id, err))
        .finally(() => {
          active.delete(id);
          pump();
        });
      active.set(id, done);
    }
  }
  return {
    maxConcurrent: opts.maxConcurrent,
    /** Adds a run at the back of the queue and starts it if a slot is free; true when it started. */
    enqueue(runId: string): boolean {
      queue.push(runId);
      if (active.size >= opts.maxConcurrent || closed) waited.add(runId);
      pump();
      return active.has(runId);
    },
    /** Takes a waiting run out of the queue; false when it is not waiting. */
    remove(runId: string): boolean {
      const i = queue.indexOf(runId);
      if (i < 0) return false;
      queue.splice(i, 1);
      waited.delete(runId);
      return true;
    },
    isActive: (runId: string) => active.has(runId),
    /** Resolves when the run's execution has ended (immediately when it is not active). */
    whenDone: (runId: string): Promise<void> => active.get(runId) ?? Promise.resolve(),
    /** 1-based position of a waiting run, else null. */
    position(runId: string): number | null {
      const i = queue.indexOf(runId);
      return i < 0 ? null : i + 1;
    },
    activeCount: () => active.size,
    queuedCount: () => queue.length,
    activeIds: () => [...active.keys()],
    /** Shutdown: nothing new starts; waiting runs stay queued in the store for the next start. */
    close(): void {
      closed = true;
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
