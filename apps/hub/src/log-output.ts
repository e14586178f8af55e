import type { Writable } from 'node:stream';

// Where log lines go: process.stdout, never waited on. pino's default destination writes synchronously
// and retries a full pipe in a loop, so a reader that stalls freezes the hub (SIGTERM included); a plain
// queue instead grows without bound. Here a line that does not fit the bounded queue is dropped and
// counted, and the count is reported once lines flow again. Node writes to a pipe without blocking.

export interface LogOutputOptions {
  /** Bytes queued for a slow reader before further lines are dropped (counted in UTF-16 units). */
  maxQueuedBytes: number;
  /** The line that reports `dropped` lines once the output takes lines again. */
  droppedLine(dropped: number): string;
}

export interface LogOutput {
  /** pino's destination interface. */
  write(line: string): void;
  /** Lines dropped since start (a stalled or gone reader). */
  dropped(): number;
  /** Resolves when queued lines are written, the output is gone, or after `timeoutMs`, whichever comes first. */
  flush(timeoutMs: number): Promise<void>;
}

export function createLogOutput(stream: Writable, opts: LogOutputOptions): LogOutput {
  let dropped = 0;
  let unreported = 0;
  // EPIPE and the like: the reader is gone for good, every later line is dropped.
  let gone = false;
  stream.on('error', () => {
    gone = true;
  });

  const send = (line: string): boolean => {
    try {
      stream.write(line);
      return true;
    } catch {
      // A file output that fails synchronously (disk full): the line is lost, the hub carries on.
      return false;
    }
  };

  return {
    write(line: string): void {
      if (gone || stream.destroyed || stream.writableLength + line.length > opts.maxQueuedBytes) {
        dropped++;
        unreported++;
        return;
      }
      if (unreported > 0) {
        const report = opts.droppedLine(unreported);
        unreported = 0;
        send(report);
      }
      if (!send(line)) {
        dropped++;
        unreported++;
      }
    },
    dropped: () => dropped,
    flush(timeoutMs: number): Promise<void> {
      if (gone || stream.destroyed || stream.writableLength === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        // Written in order: this empty write's callback runs once everything queued before it is out.
        stream.write('', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
