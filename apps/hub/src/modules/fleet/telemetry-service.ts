import { TelemetryBatch, parseMessage, type TelemetryAck } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { DatasetHandover } from './dataset-handover.js';
import type { IngestRepo } from './ingest-repo.js';

export interface TelemetryResult {
  ack: TelemetryAck;
  stored: number;
  duplicates: number;
}

/** Telemetry batches in, acknowledgements out: validated, stored once per (device, sequence), then handed to the dataset. */
export function createTelemetryService(deps: { ingestRepo: IngestRepo; handover: DatasetHandover; clock: Clock; log: Logger }) {
  const { ingestRepo, handover, log } = deps;
  return {
    /** Validates before any storage; throws BAD_REQUEST for a payload that is not a telemetry batch. */
    ingest(deviceId: string, payload: Uint8Array): TelemetryResult {
      const batch = parseMessage(TelemetryBatch, payload);
      if (!batch) throw new AppError('BAD_REQUEST', 'Not a telemetry batch', { details: `device ${deviceId}` });
      const out = ingestRepo.ingest(deviceId, batch, deps.clock.now());
      if (out.gaps.length > 0 || out.lost > 0) log.warn({ deviceId, gaps: out.gaps.slice(0, 5), lost: out.lost, ackSeq: out.ackSeq }, 'telemetry gap');
      if (out.stored > 0 && handover.enabled) void handover.schedule(deviceId);
      return {
        ack: { v: 1, ack_seq: out.ackSeq, gaps: out.gaps, stored: out.stored, lost_total: out.lostTotal },
        stored: out.stored, duplicates: out.duplicates,
      };
    },
  };
}

export type TelemetryService = ReturnType<typeof createTelemetryService>;
