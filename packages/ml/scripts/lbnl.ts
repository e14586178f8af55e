import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { TrainingTable } from '../src/index.js';
import { fillMissing } from '../src/data/missing.js';

// Loader for the LBNL FDD CSVs (test/fixtures/lbnl): `M/D/YY H:MM` or `M/D/YYYY H:MM` local times
// (read as UTC: the September files cross no DST change), headers with trailing spaces, Excel error
// cells such as `#VALUE!` and empty cells (both read as missing).

export const SZVAV_CSV = fileURLToPath(new URL('../../../test/fixtures/lbnl/SZVAV.csv', import.meta.url));

export interface DayTable extends TrainingTable {
  /** `YYYY-MM-DD` of every row. */
  days: string[];
}

export function parseLbnlTimestamp(text: string): number {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{2,4})\s+(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`unexpected timestamp "${text}"`);
  const [, mo, d, y, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y < 100 ? 2000 + y : y, mo - 1, d, h, mi);
}

export function loadLbnlCsv(path: string): DayTable {
  const records = parse(readFileSync(path, 'utf8'), { skip_empty_lines: true, relax_column_count: true }) as string[][];
  const [header, ...rows] = records;
  if (!header) throw new Error(`${path}: empty file`);
  const columns = header.map((h) => h.trim());
  const timestamps = rows.map((r) => parseLbnlTimestamp(r[0] ?? ''));
  const values = columns.map((_, c) => Float64Array.from(rows, (r) => {
    const cell = (r[c] ?? '').trim();
    const v = cell === '' ? Number.NaN : Number(cell);
    return Number.isFinite(v) ? v : Number.NaN;
  }));
  return { columns, timestamps, values, days: timestamps.map((t) => new Date(t).toISOString().slice(0, 10)) };
}

/** The rows of the given days, as a table of their own. */
export function selectDays(table: DayTable, days: string[]): DayTable {
  const keep = new Set(days);
  const idx = table.days.flatMap((d, i) => (keep.has(d) ? [i] : []));
  return {
    columns: table.columns,
    timestamps: idx.map((i) => table.timestamps[i] as number),
    values: table.values.map((v) => Float64Array.from(idx, (i) => v[i] as number)),
    days: idx.map((i) => table.days[i] as string),
  };
}

export function uniqueDays(table: DayTable): string[] {
  return [...new Set(table.days)];
}

/** The named columns, gaps filled as the pipeline fills them (`fallback`: column means). */
export function filledColumns(table: DayTable, features: string[], fallback: number[]): Float64Array[] {
  return fillMissing(features, features.map((f) => table.values[table.columns.indexOf(f)] as Float64Array), fallback).filled;
}
