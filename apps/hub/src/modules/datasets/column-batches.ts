import { isOutOfMemory, type DatasetEngine } from './engine.js';

// Wide data (building-automation exports carry hundreds to thousands of points). DuckDB gives every column
// of a query its own 2,048-value vectors in each operator and thread, whatever the row count: one stats pass
// over 200 columns wanted ~150 MB, reading 1,000 columns at all ~110 MB. So wide work goes in batches of
// columns sized to the engine's memory, each batch one pass over the file (DuckDB's CSV and Parquet
// readers materialise only the columns a query names).

/** Native memory per column and engine thread, in KB, measured with DuckDB 1.5 (bench/README.md, wide CSV). */
export const COLUMN_COST_KB = {
  /** The stats aggregates (six per column, each over `numericExpr`) in one row. */
  stats: 450,
  /** The same stats in long form (UNPIVOT, grouped by column name): wide data. */
  longStats: 150,
  /** Reading cells as they are (preview, export fragments, training arrays). */
  read: 140,
  /** A top-N sort carrying every column of the page (a 200-column one wanted more than 128 MB). */
  sortCarry: 600,
  /** Writing zstd Parquet (the reader plus the writer's row groups, see `rowGroupRows`). */
  write: 250,
} as const;

/** One query may use this share of the memory cap: a second query (an upload beside a preview) still fits. */
const SHARE = 0.5;

/** Columns one query may hold for work of the given cost under the engine's caps (at least one). */
export function columnsPerQuery(engine: Pick<DatasetEngine, 'limits'>, costKb: number): number {
  const { memoryMb, threads } = engine.limits;
  return Math.max(1, Math.floor((memoryMb * 1024 * SHARE) / (costKb * threads)));
}

/** Parquet row group length for a file of `columns` columns: the writer holds a row group of every column. */
export function rowGroupRows(columns: number): number {
  return Math.min(122_880, Math.max(2_048, Math.floor(400_000 / Math.max(1, columns) / 2_048) * 2_048));
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A set of columns and the relation (a DuckDB table expression) that holds them. */
export interface ColumnBatch {
  relation: string;
  columns: string[];
}

/**
 * Runs `work` over each batch in order. A batch the engine cannot hold (another query took the memory, or the
 * estimate was short) is split in halves and retried; one column that does not fit is the engine's 503.
 */
export async function inBatches<R>(batches: ColumnBatch[], work: (batch: ColumnBatch) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  const pending = [...batches];
  for (let batch = pending.shift(); batch; batch = pending.shift()) {
    try {
      results.push(await work(batch));
    } catch (err) {
      if (!isOutOfMemory(err) || batch.columns.length < 2) throw err;
      const half = Math.ceil(batch.columns.length / 2);
      pending.unshift({ ...batch, columns: batch.columns.slice(0, half) }, { ...batch, columns: batch.columns.slice(half) });
    }
  }
  return results;
}
