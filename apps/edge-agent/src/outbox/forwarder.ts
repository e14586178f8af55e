import { TelemetryAck, parseMessage, type TelemetryBatch } from '@prometheus/protocol';
import type { LinkSession } from '../link/session.js';
import type { CommandRouter } from '../link/router.js';
import type { Logger } from '../logger.js';
import type { Outbox, OutboxRow } from './outbox.js';

export interface ForwarderOptions {
  batchSize: number;
  /** A batch's JSON stays within this (the hub closes the connection of a client whose packet is larger). */
  maxBatchBytes: number;
  maxInflightBatches: number;
  ackTimeoutMs: number;
}

/**
 * Hands the outbox to the hub: batches of consecutive sequences published with QoS 1, a bounded window
 * of them unacknowledged, rows deleted only when the hub's `ack` says they are stored. On every connect,
 * on a reported gap and on an ack timeout it resends from the last acknowledged sequence; the hub's
 * idempotency on (device, sequence) makes the resend harmless.
 */
export function createForwarder(opts: ForwarderOptions, outbox: Outbox, link: LinkSession, router: CommandRouter, log: Logger) {
  let sentThrough = outbox.stats().ackedSeq;
  let lastRewind = 0;
  let pumping = false;
  let again = false;
  let lastProgress = Date.now();
  let watchdog: NodeJS.Timeout | undefined;

  function rewind(reason: string): void {
    const acked = outbox.stats().ackedSeq;
    if (sentThrough > acked) log.info('resending unacknowledged readings', { reason, from: acked + 1, through: sentThrough });
    sentThrough = acked;
    lastProgress = Date.now();
    lastRewind = Date.now();
  }

  async function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        // The window is counted in sequences past the last acknowledged one.
        while (link.connected && sentThrough - outbox.stats().ackedSeq < opts.maxInflightBatches * opts.batchSize) {
          const rows = outbox.pending(sentThrough, opts.batchSize);
          const first = rows[0];
          if (!first) break;
          // Consecutive sequences only: a hole (an evicted range) starts a new batch.
          const run = rows.filter((r, i) => r.seq === first.seq + i);
          const batch = fitted({ v: 1, seq_from: first.seq, readings: [], dropped: outbox.droppedRanges(), sent_at: Date.now() }, run, opts.maxBatchBytes);
          sentThrough = first.seq + batch.readings.length - 1;
          link.publish('telemetry', JSON.stringify(batch), { qos: 1 }).catch((err: unknown) => log.debug('publish not completed', { err }));
        }
      } while (again);
    } finally {
      pumping = false;
    }
  }

  function onAck(payload: Buffer): void {
    const ack = parseMessage(TelemetryAck, payload);
    if (!ack) return log.warn('malformed ack ignored');
    const before = outbox.stats().ackedSeq;
    if (ack.ack_seq > before) {
      outbox.ack(ack.ack_seq);
      lastProgress = Date.now();
    }
    // The hub is missing something we sent: go back, at most once per ack timeout so a window of acks
    // all naming the same gap causes one resend, not one per ack.
    if (ack.gaps.length > 0 && Date.now() - lastRewind > opts.ackTimeoutMs / 4) rewind('gap reported by hub');
    else if (ack.ack_seq > sentThrough) sentThrough = ack.ack_seq;
    void pump();
  }

  router.on('ack', onAck);

  return {
    name: 'forwarder',
    /** New readings are in the outbox. */
    nudge: () => void pump(),
    onConnected(): void {
      rewind('connected');
      void pump();
    },
    start(): void {
      watchdog = setInterval(() => {
        if (link.connected && sentThrough > outbox.stats().ackedSeq && Date.now() - lastProgress > opts.ackTimeoutMs) {
          rewind('ack timeout');
          void pump();
        }
      }, Math.min(opts.ackTimeoutMs, 5000));
      watchdog.unref();
    },
    stop(): void {
      if (watchdog) clearInterval(watchdog);
    },
  };
}

/**
 * The batch with as many of the run's readings as fit `maxBytes` of JSON, at least one: a reading is never
 * split (one larger than the hub's packet limit cannot be sent at all, and would be refused there).
 */
function fitted(shell: TelemetryBatch, run: OutboxRow[], maxBytes: number): TelemetryBatch {
  let bytes = Buffer.byteLength(JSON.stringify(shell));
  const readings: TelemetryBatch['readings'] = [];
  for (const row of run) {
    bytes += Buffer.byteLength(JSON.stringify(row.reading)) + 1;
    if (bytes > maxBytes && readings.length > 0) break;
    readings.push(row.reading);
  }
  return { ...shell, readings };
}

export type Forwarder = ReturnType<typeof createForwarder>;
