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

/** Columns of a canonical CSV, from its header line (thousands of sensor names make it long). */
export function headerOf(file: string): string[] {
  const fd = fs.openSync(file, 'r');
  try {
    let text = '';
    const buf = Buffer.alloc(64 * 1024);
    for (let at = 0, read = buf.length; read === buf.length && !text.includes('\n');) {
      read = fs.readSync(fd, buf, 0, buf.length, at);
      at += read;
      text += buf.subarray(0, read).toString('latin1');
    }
    const line = Buffer.from(text.split('\n', 1)[0] ?? '', 'latin1').toString('utf8');
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

/** Sensors the readings name that the dataset lacks, while it stays within `maxColumns` (the rest are left out). */
function newColumns(known: string[], readings: Reading[], maxColumns: number): string[] {
  const seen = new Set(known);
  const added: string[] = [];
  for (const r of readings) {
    for (const name in r.values) {
      if (seen.has(name) || name.trim() === '') continue;
      if (known.length + added.length >= maxColumns) return added;
      seen.add(name);
      added.push(name);
    }
  }
  return added;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);
const DAY_MS = 86_400_000;
let isoDay = Number.NaN;
let isoDate = '';

/** `new Date(ms).toISOString()` for ms >= 0, several times faster: the date part is kept per day. */
export function isoOf(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== isoDay) {
    isoDay = day;
    isoDate = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = Math.floor(rest / 1000);
  return `${isoDate}${pad2(h)}:${pad2(m)}:${pad2(sec)}.${pad3(rest - sec * 1000)}Z`;
}

/** The readings as canonical CSV lines: the hot part of a hand-over (joined arrays: flat strings, no ropes). */
function csvRows(sensors: string[], readings: Reading[]): string {
  const row = new Array<string>(sensors.length + 1);
  const lines = readings.map((r) => {
    row[0] = r.timestamp >= 0 && Number.isInteger(r.timestamp) ? isoOf(r.timestamp) : new Date(r.timestamp).toISOString();
    for (let k = 0; k < sensors.length; k += 1) row[k + 1] = cellOf(r.values[sensors[k]!]);
    return row.join(',');
  });
  return `${lines.join('\n')}\n`;
}

/** Stats, time range and row count after the batch: merged incrementally, O(batch). */
function mergedRow(ds: DatasetRow, columns: string[], added: string[], readings: Reading[]) {
  const stats = { ...ds.stats };
  for (const name of added) stats[name] = emptyState(ds.rowCount);
  const values: (number | null)[] = new Array<number | null>(readings.length);
  for (const name of columns.slice(1)) {
    for (let i = 0; i < readings.length; i += 1) values[i] = readings[i]!.values[name] ?? null;
    stats[name] = addValues(stats[name] ?? emptyState(ds.rowCount), values);
  }
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
      try {
        if (now) settleEdgeDataset(ctx, now);
      } catch {
        // The append's own error is the one to report; start-up recovery tries again.
      }
      throw err;
    }
  });
}

async function appendCommitted(ctx: DatasetsContext, ds: DatasetRow, readings: Reading[]): Promise<void> {
  const { file, committed } = targetOf(ctx, ds);
  settleEdgeFile(file, committed);
  const base = committed === 0 ? await startFile(file, TIME_COLUMN) : committed;
  const known = ds.locked ? headerOf(file) : ds.columns;
  const added = newColumns(known, readings, ctx.settings.maxColumns);
  const columns = [...known, ...added];
  const rows = csvRows(columns.slice(1), readings);
  const widened = added.length > 0 ? await writeWidened(file, columns.map(csvCell).join(','), ','.repeat(added.length), rows) : undefined;
  const length = widened ? widened.length : await appendRows(file, base, rows);
  const now = ctx.clock.now();
  if (ds.locked) {
    await ctx.repo.update(ds.id, { tailRows: ds.tailRows + readings.length, tailBytes: length, updatedAt: now });
  } else {
    await ctx.repo.update(ds.id, { ...mergedRow(ds, columns, added, readings), fileSizeBytes: length, updatedAt: now });
  }
  edgeFaults.hit('committed');
  widened?.commit();
}
