import { pino, type Logger } from 'pino';
import { createLogOutput, type LogOutput } from './log-output.js';

export type { Logger };

const SERVICE = 'prometheus-hub';
const WARN = 40;

/** Standard output with a bounded queue (log-output.ts): logging never blocks the hub nor grows without bound. */
export function createStdoutLogOutput(maxQueuedBytes: number): LogOutput {
  return createLogOutput(process.stdout, {
    maxQueuedBytes,
    droppedLine: (dropped) => `${JSON.stringify({ level: WARN, time: Date.now(), service: SERVICE, dropped, msg: 'log lines dropped: the output was not being read' })}\n`,
  });
}

// Structured logs; secrets never reach them (redacted by path as a second line of defence).
export function createLogger(level: string, output: LogOutput): Logger {
  return pino({
    level,
    base: { service: SERVICE },
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'req.headers.authorization', 'secret', '*.secret',
        'new_password', 'current_password', '*.api_key', 'api_key'],
      censor: '[redacted]',
    },
  }, output);
}
