import { EventEmitter } from 'node:events';

// Domain events the hub raises; notification channels (email, push) and the console subscribe.
// Publishers never wait for subscribers: a failing notifier must not fail a login or a training run.
export interface HubEvents {
  'security.alert': { userId: string; what: string };
  'account.changed': { userId: string; what: string };
  'training.queued': { userId: string; runId: string };
  'training.started': { userId: string; runId: string; fromQueue: boolean };
  'training.epoch': { userId: string; runId: string; epoch: number; totalEpochs: number };
  'training.finished': { userId: string; runId: string; status: 'completed' | 'failed' | 'stopped'; modelId?: string; reason?: string };
  'deployment.ready': { userId: string; deploymentId: string; targetName: string };
  'deployment.failed': { userId: string; deploymentId: string; targetName: string; reason: string };
  'edge.alert': { userId: string; targetId: string; targetName: string; message: string };
  'subscription.changed': { userId: string; tier: string };
}

export interface HubEventBus {
  emit<K extends keyof HubEvents>(event: K, payload: HubEvents[K]): void;
  on<K extends keyof HubEvents>(event: K, listener: (payload: HubEvents[K]) => void | Promise<void>): () => void;
}

export function createEventBus(onListenerError: (event: string, err: unknown) => void): HubEventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(100);
  return {
    emit(event, payload) {
      emitter.emit(event, payload);
    },
    on(event, listener) {
      const wrapped = (payload: HubEvents[typeof event]) => {
        Promise.resolve()
          .then(() => listener(payload))
          .catch((err: unknown) => onListenerError(event, err));
      };
      emitter.on(event, wrapped);
      return () => emitter.off(event, wrapped);
    },
  };
}
