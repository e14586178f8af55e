import type { DatasetDetail, DatasetSummary } from '@prometheus/protocol';
import { ownedOr404, type Actor } from '../../access.js';
import type { Clock } from '../../clock.js';
import { isoTime } from '../../ids.js';
import type { DatasetEngine } from './engine.js';
import type { KeyedLock } from '../../keyed-lock.js';
import type { DatasetListRow, DatasetRow, DatasetsRepo, DatasetWithOwner } from './repo.js';
import { publicStats } from './stats.js';
import { datasetFiles, type DatasetFiles } from './storage.js';

export interface DatasetsSettings {
  maxUploadBytes: number;
  /** Widest dataset taken (DATASET_MAX_COLUMNS): uploads past it are refused, edge sensors past it left out. */
  maxColumns: number;
  zstdLevel: number;
  validationTolerancePercent: number;
}

/** What the datasets service's parts share. */
export interface DatasetsContext {
  repo: DatasetsRepo;
  engine: DatasetEngine;
  clock: Clock;
  /** <data dir>/datasets */
  root: string;
  tmpDir: string;
  settings: DatasetsSettings;
  lock: KeyedLock;
}

export const filesOf = (ctx: DatasetsContext, id: string): DatasetFiles => datasetFiles(ctx.root, id);

export async function visibleDataset(ctx: DatasetsContext, id: string, actor: Actor): Promise<DatasetWithOwner> {
  return ownedOr404(actor, await ctx.repo.findById(id), 'Dataset', id);
}

export function toSummary(ds: DatasetListRow): DatasetSummary {
  return {
    id: ds.id, name: ds.name, equipment_type: ds.equipmentType as DatasetSummary['equipment_type'],
    location: ds.location, unit: ds.unit, source: ds.source as DatasetSummary['source'], target_name: ds.targetName,
    row_count: ds.rowCount, columns: ds.columns, file_size_bytes: ds.fileSizeBytes,
    is_validated: ds.isValidated, locked: ds.locked, created_at: isoTime(ds.createdAt), created_by: ds.ownerName,
  };
}

export function toDetail(ds: DatasetWithOwner): DatasetDetail {
  const timeRange = ds.timeStart !== null && ds.timeEnd !== null ? { start: isoTime(ds.timeStart), end: isoTime(ds.timeEnd) } : null;
  return { ...toSummary(ds), column_stats: publicStats(ds.stats), time_range: timeRange, timestamp_column: ds.timeColumn, timezone: ds.layout.timeZone ?? null };
}

export type { DatasetRow };
