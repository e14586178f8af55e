import fs from 'node:fs';
import type { DatasetDetail, DatasetSource, EquipmentType } from '@prometheus/protocol';
import { newId } from '../../ids.js';
import { toDetail, type DatasetsContext } from './context.js';
import { csvErrorToBadRequest, inspectCsv } from './csv-inspect.js';
import { scanStats } from './stats.js';
import { csvReader, datasetFiles, fileSize, removeDir } from './storage.js';

export interface CreateDatasetInput {
  /** A CSV file under the hub's tmp dir; it is moved into the dataset (or deleted on failure). */
  file: string;
  ownerId: string;
  name: string;
  equipmentType: EquipmentType;
  location?: string | undefined;
  unit?: string | undefined;
  source: DatasetSource;
  /** IANA zone of the file's zone-less times; UTC when absent. */
  timeZone?: string | undefined;
}

/** A check run before any dataset is created (e.g. the billing tier's count and size limits); throw to refuse. */
export type CreateCheck = (request: { ownerId: string; sizeBytes: number; source: DatasetSource }) => Promise<void>;

function moveInto(file: string, target: string): void {
  try {
    fs.renameSync(file, target);
  } catch {
    fs.copyFileSync(file, target);
    fs.rmSync(file, { force: true });
  }
}

/**
 * The one path by which uploads and connector imports become datasets: checks, inspection, a full stats
 * pass, then the file moves into place and the row is written. Nothing half-written stays on failure.
 */
export async function createFromFile(ctx: DatasetsContext, checks: CreateCheck[], input: CreateDatasetInput): Promise<DatasetDetail> {
  const files = datasetFiles(ctx.root, newId('ds'));
  const id = files.dir.split(/[\\/]/).pop()!;
  try {
    const sizeBytes = fileSize(input.file);
    for (const check of checks) await check({ ownerId: input.ownerId, sizeBytes, source: input.source });
    const inspection = await inspectCsv(ctx.engine, input.file, ctx.settings.maxColumns);
    const layout = input.timeZone ? { ...inspection.layout, timeZone: input.timeZone } : inspection.layout;
    const scan = await scanStats(ctx.engine, {
      relation: csvReader(input.file, inspection.columns, inspection.layout.delimiter),
      columns: inspection.columns, timeColumn: inspection.timeColumn, layout,
    }).catch((err: unknown) => {
      throw csvErrorToBadRequest(err);
    });
    fs.mkdirSync(files.dir, { recursive: true });
    moveInto(input.file, files.csv);
    const now = ctx.clock.now();
    await ctx.repo.insert({
      id, ownerId: input.ownerId, name: input.name, equipmentType: input.equipmentType,
      location: input.location ?? null, unit: input.unit ?? null, source: input.source,
      columns: inspection.columns, stats: scan.stats, timeColumn: inspection.timeColumn, layout,
      timeStart: scan.timeStart, timeEnd: scan.timeEnd, rowCount: scan.rowCount, fileSizeBytes: sizeBytes,
      storage: 'csv', createdAt: now, updatedAt: now,
    });
  } catch (err) {
    removeDir(files.dir);
    throw err;
  } finally {
    fs.rmSync(input.file, { force: true });
  }
  const created = await ctx.repo.findById(id);
  if (!created) throw new Error(`dataset ${id} vanished after insert`);
  return toDetail(created);
}
