import fs from 'node:fs';
import readline from 'node:readline';
import type { ValidationReport } from '@prometheus/protocol';
import { AppError } from '../../errors.js';
import type { Actor } from '../../access.js';
import { filesOf, visibleDataset, type DatasetsContext } from './context.js';
import { csvErrorToBadRequest } from './csv-inspect.js';
import { ident, lit } from './engine.js';
import type { DatasetWithOwner } from './repo.js';
import { scanStats, type ScanResult } from './stats.js';
import { COLUMN_COST_KB, columnsPerQuery, inBatches, rowGroupRows } from './column-batches.js';
import { csvField, csvFieldSql, writeCsvByColumns } from './csv-by-columns.js';
import { headerOf } from './edge.js';
import { columnBatches, CSV_BUFFER_OPTION, csvReader, fileSize, parquetFiles, partFile, sourceRelation } from './storage.js';

// Validation scans every row (the same pass as the upload stats) and words its findings as the contract
// does. By default any missing or non-numeric cell in a numeric column is an issue (the contract's example
// fails a column with 0.27% missing); a tolerance turns findings under it into warnings. Unparseable times
// and ragged rows always block.
const pct = (part: number, whole: number) => (whole === 0 ? 0 : (part / whole) * 100);

export function findings(ds: Pick<DatasetWithOwner, 'columns' | 'timeColumn'>, scan: ScanResult, tolerancePercent: number) {
  const issues: string[] = [];
  const warnings: string[] = [];
  const rows = scan.rowCount;
  if (rows === 0) issues.push('Dataset has no rows');
  for (const [name, s] of Object.entries(scan.stats)) {
    if (s.kind === 'text') {
      warnings.push(`Column '${name}': no numeric values (string: ${s.strings}); not used for training`);
      continue;
    }
    const bad = pct(s.missing + s.strings, rows) > tolerancePercent;
    if (s.strings > 0) (bad ? issues : warnings).push(`Column '${name}': mixed types detected (numeric: ${s.n}, string: ${s.strings})`);
    if (s.missing > 0) (bad ? issues : warnings).push(`Column '${name}': ${s.missing} missing values (${pct(s.missing, rows).toFixed(2)}%)`);
  }
  if (!Object.values(scan.stats).some((s) => s.kind === 'numeric')) issues.push('Dataset has no numeric sensor columns');
  if (ds.timeColumn && scan.badTimes > 0) {
    issues.push(`Column '${ds.timeColumn}': ${scan.badTimes} missing or unparseable timestamps (${pct(scan.badTimes, rows).toFixed(2)}%)`);
  }
  if (!ds.timeColumn) warnings.push('No timestamp column found; rows are used in file order');
  return { issues, warnings };
}

async function scanOrRagged(ctx: DatasetsContext, ds: DatasetWithOwner): Promise<ScanResult | string> {
  try {
    return await scanStats(ctx.engine, {
      relation: sourceRelation(filesOf(ctx, ds.id), ds), columns: ds.columns, timeColumn: ds.timeColumn, layout: ds.layout,
    });
  } catch (err) {
    const converted = csvErrorToBadRequest(err);
    if (converted instanceof AppError) return converted.details ?? converted.message;
    throw err;
  }
}

/**
 * Freezes the rows into zstd Parquet (text cells kept as they were, so unlock restores the same CSV). A dataset
 * wider than one write can hold goes into parts of columns (`layout.parts`), each with row groups sized to it.
 */
async function compress(ctx: DatasetsContext, ds: DatasetWithOwner): Promise<{ size: number; parts?: number[] }> {
  const files = filesOf(ctx, ds.id);
  const options = `FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${ctx.settings.zstdLevel}`;
  const width = columnsPerQuery(ctx.engine, COLUMN_COST_KB.write);
  if (ds.columns.length <= width) {
    const tmp = `${files.parquet}.tmp`;
    await ctx.engine.run(`COPY (SELECT * FROM ${sourceRelation(files, ds)}) TO ${lit(tmp)} (${options})`);
    fs.renameSync(tmp, files.parquet);
    fs.rmSync(files.csv, { force: true });
    return { size: fileSize(files.parquet) };
  }
  const written: { tmp: string; file: string; columns: number }[] = [];
  try {
    await inBatches(columnBatches(files, ds, ds.columns, width), async (batch) => {
      const file = partFile(files, written.length);
      const tmp = `${file}.tmp`;
      await ctx.engine.run(`COPY (SELECT ${batch.columns.map(ident).join(', ')} FROM ${batch.relation}) TO ${lit(tmp)} `
        + `(${options}, ROW_GROUP_SIZE ${rowGroupRows(batch.columns.length)})`).catch((err: unknown) => {
        fs.rmSync(tmp, { force: true });
        throw err;
      });
      written.push({ tmp, file, columns: batch.columns.length });
    });
  } catch (err) {
    for (const w of written) fs.rmSync(w.tmp, { force: true });
    throw err;
  }
  for (const w of written) fs.renameSync(w.tmp, w.file);
  fs.rmSync(files.csv, { force: true });
  return { size: written.reduce((sum, w) => sum + fileSize(w.file), 0), parts: written.map((w) => w.columns) };
}

/** `tolerancePercent`: the request's `tolerance_percent`, else the hub's setting (0: any missing cell blocks, as the contract shows). */
export async function validateDataset(ctx: DatasetsContext, id: string, actor: Actor, tolerancePercent?: number): Promise<ValidationReport> {
  await visibleDataset(ctx, id, actor);
  return ctx.lock(id, async () => {
    const ds = await visibleDataset(ctx, id, actor);
    const base = { columns_checked: ds.columns.length };
    if (ds.locked) return { valid: true, issues: [], warnings: [], ...base, rows_checked: ds.rowCount, is_validated: true, locked: true };
    const scan = await scanOrRagged(ctx, ds);
    if (typeof scan === 'string') {
      return { valid: false, issues: [scan], warnings: [], ...base, rows_checked: 0, is_validated: false, locked: false };
    }
    const { issues, warnings } = findings(ds, scan, tolerancePercent ?? ctx.settings.validationTolerancePercent);
    const valid = issues.length === 0;
    const now = ctx.clock.now();
    if (!valid) {
      await ctx.repo.update(id, { stats: scan.stats, rowCount: scan.rowCount, isValidated: false, updatedAt: now });
    } else {
      const { size, parts } = await compress(ctx, ds);
      await ctx.repo.update(id, {
        layout: parts ? { ...ds.layout, parts } : ds.layout, stats: scan.stats, rowCount: scan.rowCount, timeStart: scan.timeStart, timeEnd: scan.timeEnd,
        storage: 'parquet', fileSizeBytes: size, isValidated: true, locked: true, validatedAt: now, updatedAt: now,
      });
    }
    return { valid, issues, warnings, ...base, rows_checked: scan.rowCount, is_validated: valid, locked: valid };
  });
}

/** Back to the editable CSV (plus edge readings that waited in the tail); validation is cleared. */
export async function unlockDataset(ctx: DatasetsContext, id: string, actor: Actor): Promise<void> {
  await visibleDataset(ctx, id, actor);
  await ctx.lock(id, async () => {
    const ds = await visibleDataset(ctx, id, actor);
    const files = filesOf(ctx, id);
    if (ds.storage === 'parquet') {
      const hasTail = ds.tailRows > 0 && fs.existsSync(files.tail);
      const tmp = `${files.csv}.tmp`;
      const columns = ds.layout.parts ? await decompressParts(ctx, ds, tmp, hasTail) : await decompress(ctx, ds, tmp, hasTail);
      fs.renameSync(tmp, files.csv);
      for (const file of parquetFiles(files, ds)) fs.rmSync(file, { force: true });
      fs.rmSync(files.tail, { force: true });
      const { parts: _parts, ...csvLayout } = ds.layout;
      const layout = { ...csvLayout, delimiter: ',' };
      const scan = await scanStats(ctx.engine, { relation: csvReader(files.csv, columns, ','), columns, timeColumn: ds.timeColumn, layout });
      await ctx.repo.update(id, {
        columns, layout, storage: 'csv', stats: scan.stats, rowCount: scan.rowCount, timeStart: scan.timeStart, timeEnd: scan.timeEnd,
        fileSizeBytes: fileSize(files.csv), tailRows: 0, tailBytes: 0, updatedAt: ctx.clock.now(),
      });
    }
    await ctx.repo.update(id, { isValidated: false, locked: false, validatedAt: null, updatedAt: ctx.clock.now() });
  });
}

/** One Parquet file (and the tail) back to CSV at `tmp`; returns the columns written. */
async function decompress(ctx: DatasetsContext, ds: DatasetWithOwner, tmp: string, hasTail: boolean): Promise<string[]> {
  const files = filesOf(ctx, ds.id);
  const tailColumns = hasTail ? await tailHeader(ctx, files.tail) : [];
  const columns = [...ds.columns, ...tailColumns.filter((c) => !ds.columns.includes(c))];
  const tail = hasTail ? ` UNION ALL BY NAME SELECT * FROM ${csvReader(files.tail, tailColumns, ',')}` : '';
  await ctx.engine.run(`COPY (SELECT ${columns.map(ident).join(', ')} FROM (SELECT * FROM read_parquet(${lit(files.parquet)})${tail})) `
    + `TO ${lit(tmp)} (FORMAT csv, HEADER true, DELIMITER ',')`);
  return columns;
}

/** Parts of a wide dataset back to one CSV at `tmp`, joined row by row (csv-by-columns.ts), then the tail. */
async function decompressParts(ctx: DatasetsContext, ds: DatasetWithOwner, tmp: string, hasTail: boolean): Promise<string[]> {
  const files = filesOf(ctx, ds.id);
  const tailColumns = hasTail ? headerOf(files.tail) : [];
  const added = tailColumns.filter((c) => !ds.columns.includes(c));
  const columns = [...ds.columns, ...added];
  await writeCsvByColumns(ctx.engine, tmp, ctx.tmpDir, {
    header: columns.map(csvField).join(','), batches: columnBatches(files, ds, ds.columns, columnsPerQuery(ctx.engine, COLUMN_COST_KB.read)),
    cell: (c) => csvFieldSql(ident(c)), pad: added.length,
    after: hasTail ? tailRows(files.tail, ds.tailBytes, tailColumns, columns) : undefined,
  });
  return columns;
}

/**
 * The tail's rows in the order of `columns`. The tail is the hub's own canonical CSV (edge.ts): its data cells
 * are numbers, ISO times or empty, never quoted, so a row splits on commas.
 */
async function* tailRows(file: string, committed: number, tailColumns: string[], columns: string[]): AsyncIterable<string> {
  const from = new Map(tailColumns.map((c, i) => [c, i]));
  const at = columns.map((c) => from.get(c) ?? -1);
  const input = fs.createReadStream(file, committed > 0 ? { end: committed - 1 } : {});
  let header = true;
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
    if (header || line === '') {
      header = false;
      continue;
    }
    const cells = line.split(',');
    yield at.map((i) => (i < 0 ? '' : cells[i] ?? '')).join(',');
  }
}

async function tailHeader(ctx: DatasetsContext, file: string): Promise<string[]> {
  const rows = await ctx.engine.query<{ column_name: string }>(`DESCRIBE SELECT * FROM read_csv(${lit(file)}, header = true, all_varchar = true, delim = ',', ${CSV_BUFFER_OPTION})`);
  return rows.map((r) => r.column_name);
}
