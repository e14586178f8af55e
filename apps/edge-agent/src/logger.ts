import type { Writable } from 'node:stream';

// One JSON line per event on stderr (journald keeps it); no dependencies, so the bundle stays small.
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'silent';
const RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 };

export interface Logger {
  error(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
}

const errorFields = (v: unknown) => (v instanceof Error ? { message: v.message, name: v.name } : v);
const line = (lvl: string, msg: string, fields: Record<string, unknown>) => `${JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields })}\n`;

export interface LogOutput {
  write(line: string): void;
  /** Lines dropped since start (a stalled or gone reader). */
  dropped(): number;
  /** Resolves when queued lines are written, the output is gone, or after `timeoutMs`. */
  flush(timeoutMs: number): Promise<void>;
}

/**
 * stderr that never blocks the agent nor grows without bound: Node queues pipe writes in memory while
 * the reader stalls, and a gone reader (EPIPE) would kill the agent with an unhandled error. A line that
 * does not fit `maxQueuedBytes` is dropped and counted; the count is logged once lines flow again.
 */
export function createLogOutput(stream: Writable, maxQueuedBytes: number): LogOutput {
  let dropped = 0;
  let unreported = 0;
  let gone = false;
  stream.on('error', () => {
    gone = true;
  });
  const send = (text: string): boolean => {
    try {
      stream.write(text);
      return true;
    } catch {
      return false;
    }
  };
  return {
    write(text: string): void {
      if (gone || stream.destroyed || stream.writableLength + text.length > maxQueuedBytes) {
        dropped++;
        unreported++;
        return;
      }
      if (unreported > 0) {
        send(line('warn', 'log lines dropped: the output was not being read', { dropped: unreported }));
        unreported = 0;
      }
      if (!send(text)) {
        dropped++;
        unreported++;
      }
    },
    dropped: () => dropped,
    flush(timeoutMs: number): Promise<void> {
      if (gone || stream.destroyed || stream.writableLength === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        // Writes go out in order: this empty one's callback runs once everything before it is out.
        stream.write('', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const at = (lvl: Exclude<LogLevel, 'silent'>) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (RANK[lvl] > RANK[level]) return;
    const clean = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, errorFields(v)]));
    write(line(lvl, msg, clean));
  };
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}
