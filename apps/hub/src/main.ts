import { ConfigError, loadConfig } from './config.js';
import { createHub } from './hub.js';

// Entry of `npm start`: config first (fail fast), then the hub; signals are handled here once,
// with a hard-exit timer in case something refuses to close.
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`prometheus-hub: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const hub = createHub(config);
  await hub.start();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    hub.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      hub.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    hub.stop().then(() => process.exit(0), (err: unknown) => {
      hub.log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`prometheus-hub: failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
