import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { badRequest } from '../../errors.js';

// Upstream rows -> the hub's CSV: columns in first-seen order with the time column first, times as
// ISO 8601 UTC, numbers as written, booleans as 1/0, nested values as JSON text.
export type SourceRecord = Record<string, unknown>;

const TIME_NAMES = /^(timestamp|time|_time|datetime|date_time|ts|date|time_stamp)$/i;

/** Epoch numbers in s, ms or µs -> ms (by magnitude: sensor data is after 1973). */
export function epochToMs(n: number): number {
  const abs = Math.abs(n);
  if (abs >= 1e14) return n / 1000;
  if (abs >= 1e11) return n;
  return n * 1000;
}

export function isoOf(value: unknown): string | undefined {
  let ms: number | undefined;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number' || typeof value === 'bigint') ms = epochToMs(Number(value));
  else if (typeof value === 'string' && value.trim() !== '') {
    const v = value.trim();
    if (/^\d+(\.\d+)?$/.test(v)) ms = epochToMs(Number(v));
    // A time without a zone (InfluxDB, SQL timestamp without time zone) is UTC.
    else ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(v) || !/\d{2}:\d{2}/.test(v) ? v : `${v.replace(' ', 'T')}Z`);
  }
  return ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString();
}

function cell(value: unknown): string {
  let s: string;
  if (value === null || value === undefined) return '';
  if (value instanceof Date) s = value.toISOString();
  else if (typeof value === 'boolean') s = value ? '1' : '0';
  else if (typeof value === 'number') s = Number.isFinite(value) ? String(value) : '';
  else if (typeof value === 'bigint') s = value.toString();
  else if (typeof value === 'object') s = JSON.stringify(value);
  else s = String(value);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function columnsOf(records: SourceRecord[]): { columns: string[]; timeColumn: string | undefined } {
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) seen.add(k);
  const all = [...seen];
  const timeColumn = all.find((c) => TIME_NAMES.test(c)) ?? all.find((c) => records.some((r) => r[c] instanceof Date));
  return { columns: timeColumn ? [timeColumn, ...all.filter((c) => c !== timeColumn)] : all, timeColumn };
}

/** Writes the records as a CSV under tmpDir and returns its path; 400 when there is nothing to import. */
export function writeRecordsCsv(records: SourceRecord[], tmpDir: string, what: string): string {
  if (records.length === 0) throw badRequest(`${what} returned no rows`, 'Check the query, collection or time range');
  const { columns, timeColumn } = columnsOf(records);
  if (columns.length === 0) throw badRequest(`${what} returned rows without fields`);
  const file = path.join(tmpDir, `import-${randomUUID()}.csv`);
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, `${columns.map(cell).join(',')}\n`);
    let buffer: string[] = [];
    for (const r of records) {
      buffer.push(columns.map((c) => (c === timeColumn ? cell(isoOf(r[c]) ?? r[c]) : cell(r[c]))).join(','));
      if (buffer.length === 5000) {
        fs.writeSync(fd, `${buffer.join('\n')}\n`);
        buffer = [];
      }
    }
    if (buffer.length > 0) fs.writeSync(fd, `${buffer.join('\n')}\n`);
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  } finally {
    fs.closeSync(fd);
  }
  return file;
}
