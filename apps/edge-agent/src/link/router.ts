import type { Logger } from '../logger.js';

/** Handles one message the hub sent to this device; `leaf` is the topic under the device's subtree. */
export type CommandHandler = (payload: Buffer, leaf: string) => void | Promise<void>;

/**
 * Routes hub -> agent messages by topic leaf (`ack`, and later `deploy`, `deploy/chunk`). A component
 * registers its leaves before the link starts; the link subscribes to exactly those on every connect.
 */
export function createCommandRouter(log: Logger) {
  const handlers = new Map<string, CommandHandler>();
  return {
    on(leaf: string, handler: CommandHandler): void {
      if (handlers.has(leaf)) throw new Error(`a handler for '${leaf}' is already registered`);
      handlers.set(leaf, handler);
    },
    leaves: (): string[] => [...handlers.keys()],
    async dispatch(leaf: string, payload: Buffer): Promise<void> {
      const handler = handlers.get(leaf);
      if (!handler) return log.warn('message on a topic nobody handles', { leaf });
      try {
        await handler(payload, leaf);
      } catch (err) {
        log.error('command handler failed', { leaf, err });
      }
    },
  };
}

export type CommandRouter = ReturnType<typeof createCommandRouter>;
