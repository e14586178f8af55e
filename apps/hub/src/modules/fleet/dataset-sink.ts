import type { EquipmentType } from '@prometheus/protocol';

/**
 * What telemetry ingest needs from the datasets module: one growing dataset per target.
 * `appendReadings` appends in order; `rowCount` lets the hand-over resume exactly after a crash
 * (see dataset-handover.ts), so the sink itself need not be idempotent.
 */
export interface DatasetSink {
  ensureEdgeDataset(input: { targetId: string; targetName: string; ownerId: string; equipmentType: EquipmentType }): Promise<string>;
  appendReadings(datasetId: string, readings: { timestamp: number; values: Record<string, number | null> }[]): Promise<void>;
  rowCount(datasetId: string): Promise<number>;
  /** False once someone deleted the dataset (the hand-over then starts a new one, see dataset-handover.ts). */
  exists(datasetId: string): Promise<boolean>;
}

interface EdgeDatasetsService {
  ensureEdgeDataset: DatasetSink['ensureEdgeDataset'];
  appendReadings: DatasetSink['appendReadings'];
}

/**
 * The datasets module as the telemetry sink. Its row count is read from its repository: readings that
 * arrive while a dataset is locked wait in its tail (`tailRows`) and still count as handed over.
 */
export function datasetSinkFrom(service: EdgeDatasetsService, repo: { findById(id: string): Promise<{ rowCount: number; tailRows: number } | undefined> }): DatasetSink {
  return {
    ensureEdgeDataset: (req) => service.ensureEdgeDataset(req),
    appendReadings: (id, readings) => service.appendReadings(id, readings),
    async rowCount(id) {
      const ds = await repo.findById(id);
      if (!ds) throw new Error(`edge dataset ${id} is gone`);
      return ds.rowCount + ds.tailRows;
    },
    exists: async (id) => (await repo.findById(id)) !== undefined,
  };
}
