import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import type { RunRow, TrainingRepo } from './repo.js';

// A worker's side of the training queue. The queue is the store: runs wait there as `queued`, and a worker with
// a free slot claims the oldest under a lease it renews while it trains. It looks when told a run was queued,
// when a slot frees, and every pollMs (a missed message costs at most that). A lease it can no longer renew
// (the leader requeued or failed the run as lapsed) stops the training at once: the run is no longer this worker's.
export interface ClaimLoopOptions {
  slots: number;
  workerId: string;
  leaseMs: number;
  pollMs: number;
  repo: Pick<TrainingRepo, 'claimNext' | 'renewLease'>;
  clock: Clock;
  log: Logger;
  execute(run: RunRow, lease: { lost(): boolean }): Promise<void>;
  onLeaseLost(runId: string): void;
}

export function createClaimLoop(o: ClaimLoopOptions) {
  const active = new Map<string, Promise<void>>();
  let closed = false;
  let pumping: Promise<void> | undefined;
  let again = false;
  let poll: NodeJS.Timeout | undefined;

  function keepLease(runId: string) {
    let lost = false;
    const renew = async () => {
      const until = new Date(o.clock.now().getTime() + o.leaseMs);
      if (await o.repo.renewLease(runId, o.workerId, until)) return;
      lost = true;
      clearInterval(timer);
      o.log.warn({ runId, workerId: o.workerId }, 'training lease lost; stopping the run here');
      o.onLeaseLost(runId);
    };
    // Three renewals per lease: one slow write does not lose it.
    const timer = setInterval(() => void renew().catch((err: unknown) => o.log.warn({ err, runId }, 'training lease renewal failed')), Math.max(100, Math.floor(o.leaseMs / 3)));
    timer.unref();
    return { lost: () => lost, end: () => clearInterval(timer) };
  }

  async function claimWhileFree(): Promise<void> {
    while (!closed && active.size < o.slots) {
      const now = o.clock.now();
      const run = await o.repo.claimNext(o.workerId, now, new Date(now.getTime() + o.leaseMs), [...active.keys()]);
      if (!run) return;
      const lease = keepLease(run.id);
      const done = o.execute(run, lease)
        .catch((err: unknown) => o.log.error({ err, runId: run.id }, 'training run bookkeeping failed'))
        .finally(() => {
          lease.end();
          active.delete(run.id);
          void pump();
        });
      active.set(run.id, done);
    }
  }

  /** Claims queued runs while slots are free; concurrent calls share one pass (and ask for one more). */
  function pump(): Promise<void> {
    if (o.slots === 0) return Promise.resolve();
    if (pumping) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      do {
        again = false;
        await claimWhileFree().catch((err: unknown) => o.log.error({ err }, 'claiming a training run failed'));
      } while (again && !closed);
    })().finally(() => {
      pumping = undefined;
    });
    return pumping;
  }

  return {
    slots: o.slots,
    pump,
    isActive: (runId: string) => active.has(runId),
    whenDone: (runId: string): Promise<void> => active.get(runId) ?? Promise.resolve(),
    activeIds: () => [...active.keys()],
    start(): void {
      if (o.slots === 0 || poll) return;
      poll = setInterval(() => void pump(), o.pollMs);
      poll.unref();
    },
    /** Shutdown: nothing new is claimed; waiting runs stay queued in the store for any worker. */
    close(): void {
      closed = true;
      if (poll) clearInterval(poll);
    },
  };
}

export type ClaimLoop = ReturnType<typeof createClaimLoop>;
