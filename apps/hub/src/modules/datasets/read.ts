import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DatasetPreview, DatasetPreviewQuery } from '@prometheus/protocol';
import { badRequest } from '../../errors.js';
import type { Actor } from '../../access.js';
import { filesOf, visibleDataset, type DatasetsContext } from './context.js';
import { csvErrorToBadRequest } from './csv-inspect.js';
import { ident, lit } from './engine.js';
import type { DatasetWithOwner } from './repo.js';
import { findLabel } from './recommend.js';
import { spreadsheetSafe, spreadsheetSafeSql } from './spreadsheet-safe.js';
import { columnBatches, numericExpr, sourceRelation, timeExpr } from './storage.js';
import { COLUMN_COST_KB, columnsPerQuery } from './column-batches.js';
import { csvField, csvFieldSql, writeCsvByColumns } from './csv-by-columns.js';
import { arraysByColumns, pageByColumns, timeOrder } from './read-wide.js';

// Reading a dataset back, whichever form it is in (CSV while editable, zstd Parquet while locked):
// the sorted preview, the CSV export and the arrays training consumes.
function sortKey(ds: DatasetWithOwner, column: string): string {
  if (column === ds.timeColumn) return timeExpr(column, ds.layout);
  if (ds.stats[column]?.kind === 'numeric') return numericExpr(column);
  return ident(column);
}

export async function previewDataset(ctx: DatasetsContext, id: string, actor: Actor, q: DatasetPreviewQuery): Promise<DatasetPreview> {
  const ds = await visibleDataset(ctx, id, actor);
  if (q.sort_col !== undefined && !ds.columns.includes(q.sort_col)) {
    throw badRequest(`Invalid query parameter: 'sort_col' must be one of the dataset's columns`, `Columns: ${ds.columns.join(', ')}`);
  }
  const files = filesOf(ctx, id);
  const page = { limit: q.page_size, offset: (q.page - 1) * q.page_size };
  const batches = columnBatches(files, ds, ds.columns, columnsPerQuery(ctx.engine, COLUMN_COST_KB.read));
  // Numbers sort as numbers and times as time; cells that are neither go last either way.
  const sort = q.sort_col === undefined ? undefined
    : { relation: columnBatches(files, ds, [q.sort_col], 1)[0]!.relation, key: sortKey(ds, q.sort_col), dir: q.sort_dir.toUpperCase() as 'ASC' | 'DESC' };
  const rows = await pageByColumns(ctx.engine, batches, page, sort).catch((err: unknown) => {
      throw csvErrorToBadRequest(err);
    });
  return {
    headers: ds.columns,
    rows,
    total_rows: ds.rowCount,
    page: q.page,
    total_pages: Math.max(1, Math.ceil(ds.rowCount / q.page_size)),
  };
}

/**
 * A CSV file of the dataset for download, made for it (and removed by `cleanup`): written by DuckDB from
 * whichever form is stored, with formula-like cells and headers neutralised for spreadsheets.
 */
export async function exportFile(ctx: DatasetsContext, id: string, actor: Actor): Promise<{ file: string; name: string; cleanup: () => void }> {
  const ds = await visibleDataset(ctx, id, actor);
  const name = `${ds.name.replace(/[^A-Za-z0-9._-]+/g, '_') || ds.id}.csv`;
  const tmp = path.join(ctx.tmpDir, `export-${randomUUID()}.csv`);
  const files = filesOf(ctx, id);
  const batches = columnBatches(files, ds, ds.columns, columnsPerQuery(ctx.engine, COLUMN_COST_KB.read));
  const select = ds.columns.map((c) => `${spreadsheetSafeSql(ident(c))} AS ${ident(spreadsheetSafe(c))}`).join(', ');
  const written = batches.length > 1
    ? writeCsvByColumns(ctx.engine, tmp, ctx.tmpDir, {
      header: ds.columns.map((c) => csvField(spreadsheetSafe(c))).join(','), batches, cell: (c) => csvFieldSql(spreadsheetSafeSql(ident(c))),
    })
    : ctx.engine.run(`COPY (SELECT ${select} FROM ${sourceRelation(files, ds)}) TO ${lit(tmp)} (FORMAT csv, HEADER true, DELIMITER ',')`);
  await written.catch((err: unknown) => {
    fs.rmSync(tmp, { force: true });
    throw csvErrorToBadRequest(err);
  });
  return { file: tmp, name, cleanup: () => fs.rmSync(tmp, { force: true }) };
}

/** What training reads: plain arrays, time-ordered. */
export interface TrainingData {
  datasetId: string;
  /** Name of the time column, or null when the data has none (rows then keep file order). */
  timestampColumn: string | null;
  /** Epoch ms per row (NaN when a row's time does not parse); empty when there is no time column. */
  timestamps: Float64Array;
  /** Numeric columns, in dataset order (text-only columns are left out). */
  columns: string[];
  /** One array per entry of `columns`; NaN for missing or non-numeric cells. */
  values: Float64Array[];
  rowCount: number;
  isValidated: boolean;
  /** A 0/1 column named like a label (`fault`, `label`, `Fault Detection Ground Truth`, ...), if any; it is also in `columns`. */
  labelColumn: string | null;
}

/** `only`: read just these columns (a diagnosis reads its mapped ones, not every sensor of a wide export). */
export async function loadForTraining(ctx: DatasetsContext, id: string, actor: Actor, only?: readonly string[]): Promise<TrainingData> {
  const ds = await visibleDataset(ctx, id, actor);
  const columns = ds.columns.filter((c) => c !== ds.timeColumn && ds.stats[c]?.kind === 'numeric' && (!only || only.includes(c)));
  const files = filesOf(ctx, id);
  const batches = columnBatches(files, ds, columns, columnsPerQuery(ctx.engine, COLUMN_COST_KB.read));
  const base = {
    datasetId: id, timestampColumn: ds.timeColumn, columns, isValidated: ds.isValidated, labelColumn: findLabel(ds.stats)?.column ?? null,
  };
  if (batches.length > 1) {
    // Wide: the time order first, then each batch of columns in that order.
    const time = ds.timeColumn ? await timeOrder(ctx.engine, columnBatches(files, ds, [ds.timeColumn], 1)[0]!.relation, timeExpr(ds.timeColumn, ds.layout)) : undefined;
    const arrays = await arraysByColumns(ctx.engine, batches, numericExpr, time?.order);
    const values = columns.map((c) => arrays.get(c)!);
    return { ...base, timestamps: time?.times ?? new Float64Array(0), values, rowCount: values[0]?.length ?? time?.order.length ?? 0 };
  }
  const parts = columns.map((c, i) => `${numericExpr(c)} AS v${i}`);
  if (ds.timeColumn) parts.unshift(`CAST(${timeExpr(ds.timeColumn, ds.layout)} AS DOUBLE) AS t`);
  const order = ds.timeColumn ? 'ORDER BY t NULLS LAST' : '';
  const result = await ctx.engine.numberColumns(`SELECT ${parts.join(', ') || '1 AS one'} FROM ${sourceRelation(files, ds)} ${order}`);
  const offset = ds.timeColumn ? 1 : 0;
  return {
    ...base, rowCount: result.values[0]?.length ?? 0,
    timestamps: ds.timeColumn ? result.values[0]! : new Float64Array(0),
    values: columns.map((_, i) => result.values[i + offset]!),
  };
}

/** Typical sampling interval: the median gap between consecutive times over the first rows (gaps between days ignored). */
export async function medianIntervalMs(ctx: DatasetsContext, ds: DatasetWithOwner): Promise<number | null> {
  if (!ds.timeColumn || ds.rowCount < 2) return null;
  const t = timeExpr(ds.timeColumn, ds.layout);
  const [row] = await ctx.engine.query<{ gap: number | null }>(`SELECT median(abs(t - prev)) AS gap FROM (SELECT ${t} AS t, lag(${t}) OVER () AS prev `
    + `FROM (SELECT * FROM ${columnBatches(filesOf(ctx, ds.id), ds, [ds.timeColumn], 1)[0]!.relation} LIMIT 10000)) WHERE t IS NOT NULL AND prev IS NOT NULL AND t <> prev`);
  return row?.gap ? Number(row.gap) : null;
}
