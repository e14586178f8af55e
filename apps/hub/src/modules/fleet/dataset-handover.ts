import type { EquipmentType } from '@prometheus/protocol';
import type { Logger } from '../../logger.js';
import type { DatasetSink } from './dataset-sink.js';
import type { IngestRepo, JournalRow } from './ingest-repo.js';
import type { FleetRepo, TargetRow } from './repo.js';

const CHUNK = 10_000;

/** Where a test may stop the process (SIGKILL in a child) around the append; no-ops in the hub. */
export const handoverFaults: { hit(point: 'inflight' | 'appended'): void } = { hit: () => undefined };
/** Hand-overs wait this long after a batch, so bursts go over in large appends (the datasets module's cost is per append). */
const COALESCE_MS = 1000;
/** ...and then for a pause in ingest this long, so a burst is stored and acknowledged first... */
const QUIET_MS = 250;
/** ...but never longer than this after the first reading waiting (steady load still hands over). */
const MAX_DELAY_MS = 5000;

/**
 * Hands journaled readings to the per-target dataset, exactly once and in sequence order. Before each append
 * the journal records what is in flight (last sequence, count); after it, one commit drops those rows and moves
 * the synced count. A crash in between is settled at the next hand-over by the dataset's row count:
 * rows = synced + n means it landed, rows = synced means it did not, anything between resumes the rest.
 */
export function createDatasetHandover(deps: { ingestRepo: IngestRepo; fleetRepo: FleetRepo; sink: DatasetSink | undefined; log: Logger }) {
  const { ingestRepo, sink, log } = deps;

  const toReadings = (rows: JournalRow[]) =>
    rows.map((r) => ({ timestamp: r.ts, values: r.values }));

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

  /**
   * The dataset the target's readings go to. Someone may have deleted it: a live target then starts a new one
   * (deleting an edge dataset clears what was collected, it does not stop collection) and the journal, which
   * holds everything not yet confirmed, goes there from its start; a revoked target's journal has nowhere to go.
   */
  async function datasetOf(target: TargetRow, sink: DatasetSink): Promise<string | undefined> {
    if (!target.datasetId || (await sink.exists(target.datasetId))) return target.datasetId ?? undefined;
    if (target.revokedAt) {
      const dropped = await ingestRepo.dropJournal(target.id);
      log.warn({ deviceId: target.id, dropped }, 'revoked target\'s dataset was deleted; its journaled readings are dropped');
      return undefined;
    }
    const datasetId = await sink.ensureEdgeDataset({
      targetId: target.id, targetName: target.name, ownerId: target.ownerId, equipmentType: target.equipmentType as EquipmentType,
    });
    await deps.fleetRepo.update(target.id, { datasetId });
    await ingestRepo.restartSync(target.id);
    log.warn({ deviceId: target.id, old: target.datasetId, datasetId }, 'target\'s dataset was deleted; readings continue in a new one');
    return datasetId;
  }

  /** One step for one device: settle an interrupted hand-over, or hand one chunk over. True when more is waiting. */
  async function step(deviceId: string): Promise<boolean> {
    if (!sink) return false;
    const target = await deps.fleetRepo.findById(deviceId);
    const state = await ingestRepo.state(deviceId);
    if (!target?.datasetId || !state) return false;
    const datasetId = await datasetOf(target, sink);
    if (!datasetId) return false;
    if (datasetId !== target.datasetId) return true; // begun anew: the next step reads the reset state
    if (state.syncInflightTo !== null && state.syncInflightCount !== null) {
      await settleInflight(deviceId, datasetId, state.datasetSynced, state.syncInflightTo, state.syncInflightCount);
      return true;
    }
    const rows = await ingestRepo.journal(deviceId, CHUNK);
    const last = rows.at(-1);
    if (!last) return false;
    await ingestRepo.markInflight(deviceId, last.seq, rows.length);
    handoverFaults.hit('inflight');
    await sink.appendReadings(datasetId, toReadings(rows));
    handoverFaults.hit('appended');
    await ingestRepo.completeHandover(deviceId, last.seq, rows.length);
    return rows.length === CHUNK;
  }

  // One worker for all devices, one append at a time, yielding to the event loop between appends: ingest and
  // acknowledgements come first, the dataset follows (the journal holds everything durably meanwhile).
  const dirty = new Set<string>();
  let worker: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let lastIngest = 0;
  let waitingSince: number | undefined;
  /** Set at shutdown: no step starts after it. */
  let haltAt: number | undefined;

  /** The coalescing timer: hand over once ingest pauses, or when the oldest waiting reading is MAX_DELAY_MS old. */
  function tick(): void {
    timer = undefined;
    const now = Date.now();
    if (now - lastIngest < QUIET_MS && now - (waitingSince ?? now) < MAX_DELAY_MS) {
      timer = setTimeout(tick, QUIET_MS);
      return;
    }
    void startWorker();
  }

  async function work(): Promise<void> {
    for (let next = dirty.values().next(); !next.done; next = dirty.values().next()) {
      if (haltAt !== undefined && Date.now() >= haltAt) break;
      const deviceId = next.value;
      dirty.delete(deviceId);
      try {
        if (await step(deviceId)) dirty.add(deviceId); // round robin: back of the line
      } catch (err) {
        log.error({ err, deviceId }, 'dataset hand-over failed; journal kept for the next try');
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  function startWorker(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    waitingSince = undefined;
    worker ??= work().finally(() => {
      worker = undefined;
      if (dirty.size > 0 && !timer && haltAt === undefined) {
        waitingSince ??= Date.now();
        timer = setTimeout(tick, COALESCE_MS);
      }
    });
    return worker;
  }

  return {
    /** Hand over now (start-up recovery, tests). */
    schedule(deviceId: string): Promise<void> {
      dirty.add(deviceId);
      return startWorker();
    },
    /** After a pause (and a pause in ingest, see tick), so a busy device's readings go over in larger appends. */
    scheduleSoon(deviceId: string): void {
      dirty.add(deviceId);
      lastIngest = Date.now();
      waitingSince ??= lastIngest;
      if (!worker && !timer && haltAt === undefined) timer = setTimeout(tick, COALESCE_MS);
    },
    enabled: sink !== undefined,
    /** Start-up: settle hand-overs a crash interrupted and drain what is left. */
    async recover(): Promise<void> {
      for (const id of await ingestRepo.devicesWithJournal()) dirty.add(id);
      await startWorker();
    },
    async idle(): Promise<void> {
      while (dirty.size > 0 || worker) await startWorker();
    },
    /**
     * Shutdown: hands over what it can within `budgetMs`, then stops after the step under way. What is left stays
     * in the journal (acknowledged, durable): the next start's recovery, or the next hand-over of that device on
     * any replica, takes it. Draining everything could take minutes with thousands of devices (a step each), past
     * the process's shutdown limit. Resolves with the number of devices left.
     */
    async stop(budgetMs: number): Promise<number> {
      haltAt = Math.min(haltAt ?? Number.POSITIVE_INFINITY, Date.now() + budgetMs); // a second stop never extends the first
      while ((dirty.size > 0 || worker) && Date.now() < haltAt) await startWorker();
      await worker;
      if (timer) clearTimeout(timer);
      timer = undefined;
      return dirty.size;
    },
  };
}

export type DatasetHandover = ReturnType<typeof createDatasetHandover>;
