import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { DatasetHandover } from './dataset-handover.js';
import type { IngestOutcome, IngestRepo } from './ingest-repo.js';
import { createTelemetryService } from './telemetry-service.js';

// What the telemetry service logs per batch: a warning only when the device gave readings up (they are gone), a
// debug line for a gap (a batch still on its way: out of order across replicas, or resent after a cut).
function serviceWith(outcome: IngestOutcome) {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  const ingestRepo = { ingestMany: async (items: unknown[]) => items.map(() => outcome) } as unknown as IngestRepo;
  const handover = { enabled: false, scheduleSoon: () => undefined } as unknown as DatasetHandover;
  const service = createTelemetryService({ ingestRepo, handover, clock: { now: () => new Date() }, log });
  return { service, lines };
}

const payload = Buffer.from(JSON.stringify({ v: 1, seq_from: 11, dropped: [], readings: [{ ts: 1, values: { sat: 55 } }] }));
const base: IngestOutcome = { ackSeq: 11, stored: 1, duplicates: 0, lost: 0, lostTotal: 0, gaps: [] };

describe('telemetry service logging', () => {
  it('warns when readings were lost on the device', async () => {
    const { service, lines } = serviceWith({ ...base, lost: 3, lostTotal: 7 });
    expect((await service.ingest('tgt_a', payload)).ack).toMatchObject({ ack_seq: 11, lost_total: 7 });
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual(['telemetry readings lost on the device']);
  });

  it('logs a gap at debug level only', async () => {
    const { service, lines } = serviceWith({ ...base, ackSeq: 5, gaps: [{ from: 6, to: 10 }] });
    expect((await service.ingest('tgt_a', payload)).ack.gaps).toEqual([{ from: 6, to: 10 }]);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    expect(lines.filter((l) => l.level === 20).map((l) => l.msg)).toEqual(['telemetry gap']);
  });
});
