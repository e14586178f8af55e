import type { Logger } from '../logger.js';
import type { BusChannel, ClusterBus } from './cluster.js';

// The in-process half of the bus: listeners per channel, each called apart so one failing listener
// neither stops the others nor the publisher.
export function createLocalBus(log: Logger): ClusterBus & { deliver(channel: string, message: unknown): void } {
  const listeners = new Map<string, Set<(message: unknown) => void>>();
  function deliver(channel: string, message: unknown): void {
    for (const listener of [...(listeners.get(channel) ?? [])]) {
      try {
        listener(message);
      } catch (err) {
        log.error({ err, channel }, 'cluster message listener failed');
      }
    }
  }
  return {
    deliver,
    publish: (channel: BusChannel, message: unknown) => deliver(channel, message),
    subscribe(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
      return () => {
        set.delete(listener);
      };
    },
  };
}
