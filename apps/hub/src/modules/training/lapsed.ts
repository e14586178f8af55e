import type { Clock } from '../../clock.js';
import type { ClusterBus } from '../../cluster/cluster.js';
import type { HubEventBus } from '../../events.js';
import type { Logger } from '../../logger.js';
import type { LiveFeed } from './live.js';
import { toCompleteMessage } from './present.js';
import type { TrainingRepo } from './repo.js';

// The leader's sweep of runs whose worker stopped renewing its lease (it died, stalled, or lost the database).
// One lapse may be the worker's bad luck: the run goes back to the queue, first in line, for any worker. A second
// lapse fails it with the reason, so a run that kills its workers (or a fleet that keeps losing them) ends.

export const lapsedTwiceReason = (workerId: string | null): string => `worker ${workerId ?? 'unknown'} stopped answering twice; lease lapsed`;

export interface LapsedSweepDeps {
  repo: Pick<TrainingRepo, 'sweepLapsed' | 'epochs'>;
  live: Pick<LiveFeed, 'publish'>;
  bus: Pick<ClusterBus, 'publish'>;
  events: HubEventBus;
  clock: Clock;
  log: Logger;
}

export async function sweepLapsedRuns(deps: LapsedSweepDeps): Promise<void> {
  const swept = await deps.repo.sweepLapsed(deps.clock.now(), lapsedTwiceReason);
  for (const { run, lapsedWorker } of swept) {
    if (run.status === 'queued') {
      deps.log.warn({ runId: run.id, workerId: lapsedWorker }, 'training run requeued: its worker stopped renewing its lease');
      // Workers look now rather than at their next poll.
      deps.bus.publish('training.queued', { runId: run.id });
      continue;
    }
    deps.log.warn({ runId: run.id, workerId: lapsedWorker }, 'training run failed: its lease lapsed a second time');
    deps.live.publish(run.id, toCompleteMessage(run, await deps.repo.epochs(run.id)));
    deps.events.emit('training.finished', { userId: run.ownerId, runId: run.id, status: 'failed', reason: run.error ?? 'lease lapsed' });
  }
}
