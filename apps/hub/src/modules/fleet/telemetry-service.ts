import { parseTelemetryBatch, type TelemetryAck } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { DatasetHandover } from './dataset-handover.js';
import type { IngestRepo } from './ingest-repo.js';
import type { IngestItem } from './ingest-writer.js';

const decoder = new TextDecoder();
/**
 * A batch ahead of its device waits this long at most for the one before it (replicas sharing a subscription
 * take a device's batches in turns, so it is usually being committed next door), retried every WAIT_STEP_MS.
 * Then it is stored out of order (the pending-sequence path) and its ack names the gap. Only while another replica
 * consumes: alone, the batch before was lost on the way (the agent resends it when the ack names the gap), and
 * waiting would only hold every later acknowledgement of the connection behind it.
 */
const MAX_WAIT_MS = 250;
const WAIT_STEP_MS = 10;

export interface TelemetryResult {
  ack: TelemetryAck;
  stored: number;
  duplicates: number;
}

/**
 * Telemetry batches in, acknowledgements out: validated, stored once per (device, sequence), then handed to
 * the dataset. Batches that arrive in the same turn of the event loop share one commit (group commit):
 * the answer to each publish waits for that commit, so an ack never runs ahead of the disk.
 */
export function createTelemetryService(deps: {
  ingestRepo: IngestRepo; handover: DatasetHandover; clock: Clock; log: Logger;
  /** Whether another replica consumes device messages now (the cluster's members); unset, none does. */
  othersConsuming?: (() => boolean) | undefined;
}) {
  const { ingestRepo, handover, log } = deps;
  const queue: (IngestItem & { since: number; resolve(r: TelemetryResult): void; reject(e: Error): void })[] = [];

  let flushing = false;

  /**
   * One group commit at a time: batches arriving while one commits wait for the next, so the writes of a device
   * stay in arrival order.
   */
  async function flush(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (queue.length > 0) await commit(queue.splice(0));
    } finally {
      flushing = false;
    }
  }

  async function commit(items: typeof queue): Promise<void> {
    let outcomes: Awaited<ReturnType<IngestRepo['ingestMany']>>;
    const now = performance.now();
    const others = deps.othersConsuming?.() ?? false;
    for (const item of items) item.mayWait = others && now - item.since < MAX_WAIT_MS;
    try {
      outcomes = await ingestRepo.ingestMany(items, deps.clock.now(), (err) => log.error({ err, batches: items.length }, 'set-based telemetry write failed; batches written one by one'));
    } catch (err) {
      for (const item of items) item.reject(err as Error);
      return;
    }
    const later: typeof queue = [];
    items.forEach((item, i) => {
      const out = outcomes[i]!;
      if (out === 'wait') return later.push(item);
      if (out instanceof Error) return item.reject(out);
      // Readings the agent gave up on are worth a warning; a gap is a batch still on its way (out of order across
      // replicas, or resent after a cut), which the agent fills: a debug line, not thousands of warnings.
      if (out.lost > 0) log.warn({ deviceId: item.deviceId, lost: out.lost, lostTotal: out.lostTotal, ackSeq: out.ackSeq }, 'telemetry readings lost on the device');
      else if (out.gaps.length > 0) log.debug({ deviceId: item.deviceId, gaps: out.gaps.slice(0, 5), ackSeq: out.ackSeq }, 'telemetry gap');
      if (out.stored > 0 && handover.enabled) handover.scheduleSoon(item.deviceId);
      item.resolve({
        ack: { v: 1, ack_seq: out.ackSeq, gaps: out.gaps, stored: out.stored, lost_total: out.lostTotal },
        stored: out.stored, duplicates: out.duplicates,
      });
    });
    if (later.length > 0) {
      setTimeout(() => {
        queue.unshift(...later);
        void flush();
      }, WAIT_STEP_MS);
    }
  }

  return {
    /** Validates before any storage; rejects with BAD_REQUEST for a payload that is not a telemetry batch. */
    ingest(deviceId: string, payload: Uint8Array): Promise<TelemetryResult> {
      // Decoded once: parsed here, and journaled as it came (ingest-writer.ts).
      const text = decoder.decode(payload);
      const batch = parseTelemetryBatch(text);
      if (!batch) return Promise.reject(new AppError('BAD_REQUEST', 'Not a telemetry batch', { details: `device ${deviceId}` }));
      return new Promise((resolve, reject) => {
        if (queue.length === 0) setImmediate(() => void flush());
        queue.push({ deviceId, batch, text, since: performance.now(), resolve, reject });
      });
    },
  };
}

export type TelemetryService = ReturnType<typeof createTelemetryService>;
