import { createKeyedLock } from '../keyed-lock.js';
import type { Logger } from '../logger.js';
import { createLocalBus } from './bus.js';
import type { Cluster, HubRole } from './cluster.js';

// One process on SQLite: it is the leader, hears its own messages, and its locks are in memory.
export function createSingleCluster(opts: { replicaId: string; role: HubRole; log: Logger }): Cluster {
  const bus = createLocalBus(opts.log);
  const lock = createKeyedLock();
  let trainingSlots = 0;
  const startedAt = Date.now();
  return {
    kind: 'single', replicaId: opts.replicaId, role: opts.role, bus, withLock: lock, pgPool: undefined,
    leader: { isLeader: () => true, onChange: () => () => undefined },
    members: () => [{ replicaId: opts.replicaId, role: opts.role, trainingSlots, leader: true, seenAt: Math.max(startedAt, Date.now()) }],
    setTrainingSlots(slots) {
      trainingSlots = slots;
    },
    async start() {},
    async stop() {},
  };
}
