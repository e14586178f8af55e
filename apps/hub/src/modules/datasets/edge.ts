import fs from 'node:fs';
import type { EquipmentType } from '@prometheus/protocol';
import { AppError, badRequest, notFound } from '../../errors.js';
import { newId } from '../../ids.js';
import { filesOf, type DatasetsContext } from './context.js';
import { appendRows, edgeFaults, settleEdgeFile, startFile, writeWidened } from './edge-file.js';
import type { DatasetRow } from './repo.js';
import { addValues, emptyState } from './stats.js';

// Edge datasets: one per target, growing as telemetry arrives. Stored like any dataset (a canonical CSV:
// ISO 8601 UTC timestamp first, one column per sensor), so preview, stats, validation, export and training
// need no special case. While the dataset is locked, readings go to tail.csv and join it on unlock.
export interface EdgeDatasetRequest {
  targetId: string;
  targetName: string;
  ownerId: string;
  equipmentType: EquipmentType;
}

export interface Reading {
  /** Epoch milliseconds. */
  timestamp: number;
  values: Record<string, number | null>;
}

const TIME_COLUMN = 'timestamp';

/** A header cell of our canonical CSV: control characters dropped, quoted when it holds a delimiter or quote. */
export function csvCell(value: string): string {
  const clean = value.replace(/[\r\n\t\u0000-\u001f]+/g, ' ');
  return /[",]|^\s|\s$/.test(clean) ? `"${clean.replace(/"/g, '""')}"` : clean;
}

const cellOf = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '' : String(v));

export async function ensureEdgeDataset(ctx: DatasetsContext, req: EdgeDatasetRequest): Promise<string> {
  return ctx.lock(`edge:${req.targetId}`, async () => {
    const existing = await ctx.repo.findBySourceRef('edge', req.targetId);
    if (existing) {
      if (existing.targetName !== req.targetName) await ctx.repo.update(existing.id, { targetName: req.targetName, updatedAt: ctx.clock.now() });
      return existing.id;
    }
    const id = newId('ds');
    const files = filesOf(ctx, id);
    fs.mkdirSync(files.dir, { recursive: true });
    fs.writeFileSync(files.csv, `${TIME_COLUMN}\n`);
    const now = ctx.clock.now();
    try {
      await ctx.repo.insert({
        id, ownerId: req.ownerId, name: req.targetName, equipmentType: req.equipmentType, source: 'edge',
        sourceRef: req.targetId, targetName: req.targetName, columns: [TIME_COLUMN], stats: {}, timeColumn: TIME_COLUMN,
        layout: { delimiter: ',', timeFormat: 'iso' }, rowCount: 0, fileSizeBytes: fs.statSync(files.csv).size,
        storage: 'csv', createdAt: now, updatedAt: now,
      });
    } catch (err) {
      fs.rmSync(files.dir, { recursive: true, force: true });
      throw err;
    }
    return id;
  });
}

/** Columns of a canonical CSV, from its header line. */
function headerOf(file: string): string[] {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const text = buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    const line = text.split('\n', 1)[0] ?? '';
    return (line.match(/("([^"]|"")*"|[^,]*)(,|$)/g) ?? []).filter((c) => c !== '')
      .map((c) => c.replace(/,$/, '')).map((c) => (c.startsWith('"') ? c.slice(1, -1).replace(/""/g, '"') : c));
  } finally {
    fs.closeSync(fd);
  }
}

function checkReadings(readings: Reading[]): void {
  readings.forEach((r, i) => {
    if (!Number.isFinite(r.timestamp)) throw badRequest('Invalid reading', `readings[${i}].timestamp must be epoch milliseconds`);
  });
}

/** The file an append goes to and its committed length (see edge-file.ts). */
function targetOf(ctx: DatasetsContext, ds: DatasetRow): { file: string; committed: number } {
  const files = filesOf(ctx, ds.id);
  if (!ds.locked) return { file: files.csv, committed: ds.fileSizeBytes };
  // A tail written before tail_bytes existed (tailRows > 0, tailBytes 0): its whole length was committed.
  const legacy = ds.tailBytes === 0 && ds.tailRows > 0;
  return { file: files.tail, committed: legacy ? fs.statSync(files.tail).size : ds.tailBytes };
}

/** Brings an edge dataset's files back to what its row committed: at start, and after a failed append. */
export function settleEdgeDataset(ctx: DatasetsContext, ds: DatasetRow): void {
  const files = filesOf(ctx, ds.id);
  if (!ds.locked) return settleEdgeFile(files.csv, ds.fileSizeBytes);
  const { file, committed } = targetOf(ctx, ds);
  settleEdgeFile(file, committed);
}

function newColumns(known: string[], readings: Reading[]): string[] {
  const seen = new Set(known);
  const added: string[] = [];
  for (const name of readings.flatMap((r) => Object.keys(r.values))) {
    if (seen.has(name) || name.trim() === '') continue;
    seen.add(name);
    added.push(name);
  }
  return added;
}

/** Stats, time range and row count after the batch: merged incrementally, O(batch). */
function mergedRow(ds: DatasetRow, columns: string[], added: string[], readings: Reading[]) {
  const stats = { ...ds.stats };
  for (const name of added) stats[name] = emptyState(ds.rowCount);
  for (const name of columns.slice(1)) stats[name] = addValues(stats[name] ?? emptyState(ds.rowCount), readings.map((r) => r.values[name] ?? null));
  let timeStart = ds.timeStart ?? Infinity;
  let timeEnd = ds.timeEnd ?? -Infinity;
  for (const r of readings) {
    timeStart = Math.min(timeStart, r.timestamp);
    timeEnd = Math.max(timeEnd, r.timestamp);
  }
  // New rows change what was validated.
  return { columns, stats, rowCount: ds.rowCount + readings.length, timeStart, timeEnd, isValidated: false };
}

/**
 * Appends readings all-or-nothing: the file is written past its committed length, then one row update commits
 * the new length with the row count and stats (edge-file.ts). The fleet hand-over resumes by that row count, so
 * a crash at any point leaves each reading in the dataset exactly once.
 */
export async function appendReadings(ctx: DatasetsContext, datasetId: string, readings: Reading[]): Promise<void> {
  checkReadings(readings);
  if (readings.length === 0) return;
  await ctx.lock(datasetId, async () => {
    const ds = await ctx.repo.findById(datasetId);
    if (!ds) throw notFound('Dataset', datasetId);
    if (ds.source !== 'edge') throw new AppError('CONFLICT', 'Readings can only be appended to edge datasets', { details: `Dataset ${datasetId} is a ${ds.source} dataset` });
    try {
      await appendCommitted(ctx, ds, readings);
    } catch (err) {
      // Whatever was written past the commit goes (a committed widening is completed instead).
      const now = await ctx.repo.findById(datasetId);
      if (now) settleEdgeDataset(ctx, now);
      throw err;
    }
  });
}

async function appendCommitted(ctx: DatasetsContext, ds: DatasetRow, readings: Reading[]): Promise<void> {
  const { file, committed } = targetOf(ctx, ds);
  settleEdgeFile(file, committed);
  const base = committed === 0 ? startFile(file, TIME_COLUMN) : committed;
  const known = ds.locked ? headerOf(file) : ds.columns;
  const added = newColumns(known, readings);
  const columns = [...known, ...added];
  const rows = `${readings.map((r) => [new Date(r.timestamp).toISOString(), ...columns.slice(1).map((c) => cellOf(r.values[c]))].join(',')).join('\n')}\n`;
  const widened = added.length > 0 ? writeWidened(file, columns.map(csvCell).join(','), ','.repeat(added.length), rows) : undefined;
  const length = widened ? widened.length : appendRows(file, base, rows);
  const now = ctx.clock.now();
  if (ds.locked) {
    await ctx.repo.update(ds.id, { tailRows: ds.tailRows + readings.length, tailBytes: length, updatedAt: now });
  } else {
    await ctx.repo.update(ds.id, { ...mergedRow(ds, columns, added, readings), fileSizeBytes: length, updatedAt: now });
  }
  edgeFaults.hit('committed');
  widened?.commit();
}
