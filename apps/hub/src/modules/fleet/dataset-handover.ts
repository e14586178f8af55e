import type { Logger } from '../../logger.js';
import type { DatasetSink } from './dataset-sink.js';
import type { IngestRepo, JournalRow } from './ingest-repo.js';
import type { FleetRepo } from './repo.js';

const CHUNK = 10_000;
/** Hand-overs wait this long after a batch, so bursts go over in large appends (the datasets module's cost is per append). */
const COALESCE_MS = 1000;

/**
 * Hands journaled readings to the per-target dataset, exactly once and in sequence order. Before each append
 * the journal records what is in flight (last sequence, count); after it, one commit drops those rows and moves
 * the synced count. A crash in between is settled at the next hand-over by the dataset's row count:
 * rows = synced + n means it landed, rows = synced means it did not, anything between resumes the rest.
 */
export function createDatasetHandover(deps: { ingestRepo: IngestRepo; fleetRepo: FleetRepo; sink: DatasetSink | undefined; log: Logger }) {
  const { ingestRepo, sink, log } = deps;
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const soon = new Map<string, NodeJS.Timeout>();

  const toReadings = (rows: JournalRow[]) =>
    rows.map((r) => ({ timestamp: r.ts, values: JSON.parse(r.values) as Record<string, number | null> }));

  async function settleInflight(deviceId: string, datasetId: string, synced: number, throughSeq: number, count: number): Promise<void> {
    if (!sink) return;
    const rows = await ingestRepo.journal(deviceId, count, throughSeq);
    const landed = Math.max(0, (await sink.rowCount(datasetId)) - synced);
    if (landed < count) {
      if (landed > 0) log.warn({ deviceId, landed, count }, 'partial dataset append found; resuming after the landed rows');
      await sink.appendReadings(datasetId, toReadings(rows.slice(landed)));
    }
    await ingestRepo.completeHandover(deviceId, throughSeq, count);
  }

  async function drain(deviceId: string): Promise<void> {
    if (!sink) return;
    const target = await deps.fleetRepo.findById(deviceId);
    if (!target?.datasetId) return;
    for (;;) {
      const state = await ingestRepo.state(deviceId);
      if (!state) return;
      if (state.syncInflightTo !== null && state.syncInflightCount !== null) {
        await settleInflight(deviceId, target.datasetId, state.datasetSynced, state.syncInflightTo, state.syncInflightCount);
        continue;
      }
      const rows = await ingestRepo.journal(deviceId, CHUNK);
      const last = rows.at(-1);
      if (!last) return;
      await ingestRepo.markInflight(deviceId, last.seq, rows.length);
      await sink.appendReadings(target.datasetId, toReadings(rows));
      await ingestRepo.completeHandover(deviceId, last.seq, rows.length);
    }
  }

  /** One hand-over per device at a time; a request during a run schedules one more run. */
  function schedule(deviceId: string): Promise<void> {
    const current = running.get(deviceId);
    if (current) {
      again.add(deviceId);
      return current;
    }
    const run = drain(deviceId)
      .catch((err: unknown) => log.error({ err, deviceId }, 'dataset hand-over failed; journal kept for the next try'))
      .finally(() => {
        running.delete(deviceId);
        if (again.delete(deviceId)) void schedule(deviceId);
      });
    running.set(deviceId, run);
    return run;
  }

  return {
    schedule,
    /** After a short pause, so a busy device's readings go over in larger appends. */
    scheduleSoon(deviceId: string): void {
      if (soon.has(deviceId)) return;
      soon.set(deviceId, setTimeout(() => {
        soon.delete(deviceId);
        void schedule(deviceId);
      }, COALESCE_MS));
    },
    enabled: sink !== undefined,
    /** Start-up: settle hand-overs a crash interrupted and drain what is left. */
    async recover(): Promise<void> {
      for (const id of await ingestRepo.devicesWithJournal()) await schedule(id);
    },
    async idle(): Promise<void> {
      for (const [id, timer] of soon) {
        clearTimeout(timer);
        soon.delete(id);
        void schedule(id);
      }
      while (running.size > 0) await Promise.all([...running.values()]);
    },
  };
}

export type DatasetHandover = ReturnType<typeof createDatasetHandover>;
