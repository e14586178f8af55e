import type { TrainingComplete, TrainingEpochUpdate } from '@prometheus/protocol';

// In-process fan-out of a run's progress to its WebSocket watchers.
export type LiveMessage = TrainingEpochUpdate | TrainingComplete;
type Listener = (message: LiveMessage) => void;

export function createLiveFeed() {
  const listeners = new Map<string, Set<Listener>>();
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
      for (const listener of [...(listeners.get(runId) ?? [])]) listener(message);
    },
    watchers: (runId: string) => listeners.get(runId)?.size ?? 0,
  };
}

export type LiveFeed = ReturnType<typeof createLiveFeed>;
