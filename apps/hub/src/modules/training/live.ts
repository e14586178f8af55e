import type { TrainingComplete, TrainingEpochUpdate } from '@prometheus/protocol';
import type { ClusterBus } from '../../cluster/cluster.js';
import type { Logger } from '../../logger.js';

// A run's progress to its WebSocket watchers on every replica: the worker training it publishes on the cluster
// bus, each replica fans out to the sockets it holds. The end message carries the whole curve and may not fit
// a bus message: it travels as "ended" and each replica reads it from the store.
export type LiveMessage = TrainingEpochUpdate | TrainingComplete;
type Listener = (message: LiveMessage) => void;

interface BusLive {
  runId: string;
  message?: LiveMessage;
  ended?: true;
}

const INLINE_MAX_BYTES = 6000;

export function createLiveFeed(deps: { bus: ClusterBus; loadComplete(runId: string): Promise<TrainingComplete | null>; log: Logger }) {
  const listeners = new Map<string, Set<Listener>>();
  const fanOut = (runId: string, message: LiveMessage) => {
    for (const listener of [...(listeners.get(runId) ?? [])]) listener(message);
  };
  deps.bus.subscribe('training.live', (m) => {
    const { runId, message, ended } = m as BusLive;
    if (!listeners.has(runId)) return;
    if (message) return fanOut(runId, message);
    if (ended) {
      void deps.loadComplete(runId).then((complete) => complete && fanOut(runId, complete))
        .catch((err: unknown) => deps.log.warn({ err, runId }, 'training end not read for its watchers'));
    }
  });
  return {
    subscribe(runId: string, listener: Listener): () => void {
      const set = listeners.get(runId) ?? new Set<Listener>();
      set.add(listener);
      listeners.set(runId, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(runId);
      };
    },
    publish(runId: string, message: LiveMessage): void {
      const inline = message.type === 'epoch_update' || JSON.stringify(message).length <= INLINE_MAX_BYTES;
      deps.bus.publish('training.live', inline ? { runId, message } : { runId, ended: true });
    },
    watchers: (runId: string) => listeners.get(runId)?.size ?? 0,
  };
}

export type LiveFeed = ReturnType<typeof createLiveFeed>;
