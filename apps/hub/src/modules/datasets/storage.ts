import fs from 'node:fs';
import path from 'node:path';
import type { CsvLayout } from '../../db/schema/index.js';
import { chunk, type ColumnBatch } from './column-batches.js';
import { ident, lit } from './engine.js';

// Layout under <data dir>/datasets/<id>/: data.csv while editable (an upload keeps its own bytes),
// data.parquet (zstd) while locked (a wide dataset: data.parquet, data.1.parquet, ... each holding a run of
// columns, `layout.parts`), tail.csv for edge readings that arrive while locked.
export interface DatasetFiles {
  dir: string;
  csv: string;
  parquet: string;
  tail: string;
}

export function datasetFiles(root: string, id: string): DatasetFiles {
  const dir = path.join(root, id);
  return { dir, csv: path.join(dir, 'data.csv'), parquet: path.join(dir, 'data.parquet'), tail: path.join(dir, 'tail.csv') };
}

export interface StoredDataset {
  columns: string[];
  layout: CsvLayout;
  storage: 'csv' | 'parquet';
}

/**
 * DuckDB's CSV buffer: its default (16 x the 2 MB max line, 32 MB per reading thread) took ~85 MB of native
 * memory during a 100 MB upload's stats pass; 8 MB per thread scans as fast and keeps the hub's peak RSS
 * inside its budget. Lines stay limited to DuckDB's 2 MB `max_line_size` either way.
 */
export const CSV_BUFFER_OPTION = `buffer_size = ${8 * 1024 * 1024}`;

/**
 * DuckDB options that read a stored CSV exactly: every cell as text (types are decided per cell, so a stray
 * `#VALUE!` cannot fail the read), the hub's column names instead of the raw header, strict column counts
 * so a ragged row is an error naming its line.
 */
export function csvReader(file: string, columns: string[], delimiter: string): string {
  const cols = columns.map((c) => `${lit(c)}: 'VARCHAR'`).join(', ');
  return `read_csv(${lit(file)}, header = true, delim = ${lit(delimiter)}, quote = '"', escape = '"', ${CSV_BUFFER_OPTION}, `
    + `strict_mode = true, null_padding = false, auto_detect = false, columns = {${cols}})`;
}

/** Part `i` of a locked dataset's Parquet (part 0 is data.parquet, the only one of a dataset that is not wide). */
export function partFile(files: DatasetFiles, i: number): string {
  return i === 0 ? files.parquet : path.join(files.dir, `data.${i}.parquet`);
}

/** Every Parquet file the dataset has while locked. */
export function parquetFiles(files: DatasetFiles, ds: StoredDataset): string[] {
  return (ds.layout.parts ?? [ds.columns.length]).map((_, i) => partFile(files, i));
}

/**
 * The relation of a dataset's current rows, whichever form it is stored in. Every column at once: wide
 * datasets are read with `columnBatches` instead (parts here are joined row by row, which holds them all).
 */
export function sourceRelation(files: DatasetFiles, ds: StoredDataset): string {
  if (ds.storage === 'parquet') {
    const parts = parquetFiles(files, ds).map((f) => `read_parquet(${lit(f)})`);
    return parts.length === 1 ? parts[0]! : `(SELECT * FROM ${parts.join(' POSITIONAL JOIN ')})`;
  }
  return csvReader(files.csv, ds.columns, ds.layout.delimiter);
}

/**
 * `columns` of the dataset in batches of at most `size`, each with the relation that holds it: the CSV (its
 * reader materialises only the columns named) or, for a wide locked dataset, the Parquet part of each column.
 */
export function columnBatches(files: DatasetFiles, ds: StoredDataset, columns: string[], size: number): ColumnBatch[] {
  const parts = ds.storage === 'parquet' ? ds.layout.parts : undefined;
  if (!parts) return chunk(columns, size).map((batch) => ({ relation: sourceRelation(files, ds), columns: batch }));
  const partOf = new Map<string, number>();
  let at = 0;
  parts.forEach((count, part) => ds.columns.slice(at, (at += count)).forEach((c) => partOf.set(c, part)));
  const runs: { part: number; columns: string[] }[] = [];
  for (const c of columns) {
    const part = partOf.get(c) ?? 0;
    const last = runs.at(-1);
    if (last?.part === part) last.columns.push(c);
    else runs.push({ part, columns: [c] });
  }
  return runs.flatMap((run) => chunk(run.columns, size).map((batch) => ({ relation: `read_parquet(${lit(partFile(files, run.part))})`, columns: batch })));
}

/** Numeric value of a text cell: finite doubles only (`nan`, `inf`, `#VALUE!`, '' are not numbers). */
export function numericExpr(column: string): string {
  const c = `TRY_CAST(${ident(column)} AS DOUBLE)`;
  return `CASE WHEN isfinite(${c}) THEN ${c} END`;
}

const MDY = (year: '%Y' | '%y') => [`%m/%d/${year} %H:%M:%S`, `%m/%d/${year} %H:%M`, `%m/%d/${year}`];

/** A time that carries its own offset: `...12:00Z`, `...12:00:00+02:00` (a date alone never does). */
const HAS_OFFSET = lit('\\d:\\d\\d(:\\d\\d(\\.\\d+)?)?\\s*(Z|z|[+-]\\d\\d(:?\\d\\d)?)$');

/** Epoch milliseconds of a timestamp cell in the dataset's format; zone-less times in the dataset's zone (UTC when none). */
export function timeExpr(column: string, layout: Pick<CsvLayout, 'timeFormat' | 'timeZone'>): string {
  const c = ident(column);
  const zone = layout.timeZone ? lit(layout.timeZone) : null;
  if (layout.timeFormat === 'mdy4' || layout.timeFormat === 'mdy2') {
    const formats = MDY(layout.timeFormat === 'mdy4' ? '%Y' : '%y').map(lit).join(', ');
    const local = `try_strptime(trim(${c}), [${formats}])`;
    return `epoch_ms(${zone ? `timezone(${zone}, ${local})` : local})`;
  }
  const withOffset = `TRY_CAST(trim(${c}) AS TIMESTAMPTZ)`;
  if (!zone) return `epoch_ms(${withOffset})`;
  // Zone-less times are local to the dataset's zone; times with an offset keep it.
  return `epoch_ms(CASE WHEN regexp_matches(trim(${c}), ${HAS_OFFSET}) THEN ${withOffset} ELSE timezone(${zone}, TRY_CAST(trim(${c}) AS TIMESTAMP)) END)`;
}

export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
