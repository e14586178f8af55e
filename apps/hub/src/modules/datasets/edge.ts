import fs from 'node:fs';
import type { EquipmentType } from '@prometheus/protocol';
import { AppError, badRequest, notFound } from '../../errors.js';
import { newId } from '../../ids.js';
import { filesOf, type DatasetsContext } from './context.js';
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

/** Widens a canonical CSV with empty cells for new columns (rare: a sensor appears). */
function widen(file: string, columns: string[], added: string[]): void {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const pad = ','.repeat(added.length);
  const out = lines.map((line, i) => (i === 0 ? [...columns, ...added].map(csvCell).join(',') : line === '' ? line : line + pad));
  const tmp = `${file}.widen`;
  fs.writeFileSync(tmp, out.join('\n'));
  fs.renameSync(tmp, file);
}

function checkReadings(readings: Reading[]): void {
  readings.forEach((r, i) => {
    if (!Number.isFinite(r.timestamp)) throw badRequest('Invalid reading', `readings[${i}].timestamp must be epoch milliseconds`);
  });
}

export async function appendReadings(ctx: DatasetsContext, datasetId: string, readings: Reading[]): Promise<void> {
  checkReadings(readings);
  if (readings.length === 0) return;
  await ctx.lock(datasetId, async () => {
    const ds = await ctx.repo.findById(datasetId);
    if (!ds) throw notFound('Dataset', datasetId);
    if (ds.source !== 'edge') throw new AppError('CONFLICT', 'Readings can only be appended to edge datasets', { details: `Dataset ${datasetId} is a ${ds.source} dataset` });
    const files = filesOf(ctx, datasetId);
    const file = ds.locked ? files.tail : files.csv;
    if (ds.locked && !fs.existsSync(files.tail)) fs.writeFileSync(files.tail, `${TIME_COLUMN}\n`);
    const known = ds.locked ? headerOf(files.tail) : ds.columns;
    const seen = new Set(known);
    const added: string[] = [];
    for (const name of readings.flatMap((r) => Object.keys(r.values))) {
      if (seen.has(name) || name.trim() === '') continue;
      seen.add(name);
      added.push(name);
    }
    if (added.length > 0) widen(file, known, added);
    const columns = [...known, ...added];
    const body = readings.map((r) => [new Date(r.timestamp).toISOString(), ...columns.slice(1).map((c) => cellOf(r.values[c]))].join(',')).join('\n');
    fs.appendFileSync(file, `${body}\n`);
    const now = ctx.clock.now();
    if (ds.locked) {
      await ctx.repo.update(datasetId, { tailRows: ds.tailRows + readings.length, updatedAt: now });
      return;
    }
    const stats = { ...ds.stats };
    for (const name of added) stats[name] = emptyState(ds.rowCount);
    for (const name of columns.slice(1)) stats[name] = addValues(stats[name] ?? emptyState(ds.rowCount), readings.map((r) => r.values[name] ?? null));
    let timeStart = ds.timeStart ?? Infinity;
    let timeEnd = ds.timeEnd ?? -Infinity;
    for (const r of readings) {
      timeStart = Math.min(timeStart, r.timestamp);
      timeEnd = Math.max(timeEnd, r.timestamp);
    }
    await ctx.repo.update(datasetId, {
      columns, stats, rowCount: ds.rowCount + readings.length, fileSizeBytes: fs.statSync(files.csv).size, timeStart, timeEnd,
      // New rows change what was validated.
      isValidated: false, updatedAt: now,
    });
  });
}
