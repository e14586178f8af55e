import { ConfigError, loadConfig, type Config } from './config.js';
import { createHub } from './hub.js';
import { createLogger, createStdoutLogOutput } from './logger.js';

/** How long a stopped hub waits for its last log lines to reach a slow reader (within the hard-exit timer). */
const LOG_FLUSH_MS = 1000;

/** A port someone else holds (Mosquitto on 1883, say) named by the variable that moves it. */
function portInUse(err: unknown, config: Config): string | undefined {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e?.code !== 'EADDRINUSE') return undefined;
  const names: [number, string][] = [[config.port, 'PORT'], [config.mqtt.port, 'MQTT_PORT'], ...(config.mqtt.tls ? [[config.mqtt.tls.port, 'MQTT_TLS_PORT'] as [number, string]] : [])];
  const name = names.find(([port]) => port === e.port)?.[1] ?? 'PORT';
  return `port ${e.port ?? '?'} is already in use by another program (another MQTT broker such as Mosquitto holds 1883): set ${name} to a free port, or 0 to pick one`;
}

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
  const output = createStdoutLogOutput(config.logMaxQueuedBytes);
  const hub = await createHub(config, { logger: createLogger(config.logLevel, output) });
  await hub.start().catch((err: unknown) => {
    const taken = portInUse(err, config);
    if (!taken) throw err;
    process.stderr.write(`prometheus-hub: ${taken}\n`);
    process.exit(2);
  });

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
    hub.stop().then(() => output.flush(LOG_FLUSH_MS)).then(() => process.exit(0), (err: unknown) => {
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
