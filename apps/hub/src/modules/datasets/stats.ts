import type { ColumnStats } from '@prometheus/protocol';
import type { ColumnState, CsvLayout } from '../../db/schema/index.js';
import { chunk, COLUMN_COST_KB, columnsPerQuery, inBatches } from './column-batches.js';
import { ident, type DatasetEngine } from './engine.js';
import { numericExpr, timeExpr } from './storage.js';

// Column statistics. Uploads get them from DuckDB passes over the file (avg and stddev_samp there are
// streaming, numerically stable aggregates); edge appends merge batches into the stored state with
// Chan's parallel form of Welford's update, so neither path ever re-reads old rows.
export interface ScanResult {
  rowCount: number;
  stats: Record<string, ColumnState>;
  timeStart: number | null;
  timeEnd: number | null;
  /** Rows whose time cell is empty or does not parse. */
  badTimes: number;
}

export interface ScanTarget {
  relation: string;
  columns: string[];
  timeColumn: string | null;
  layout: Pick<CsvLayout, 'timeFormat' | 'timeZone'>;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const orNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** One batch's aggregates: per value column, and (first batch) the row count and the time range. */
function statsSql(t: ScanTarget, columns: string[], first: boolean): string {
  const parts = first ? ['count(*) AS n_rows'] : [];
  columns.forEach((c, i) => {
    const x = numericExpr(c);
    parts.push(`count(${ident(c)}) AS f${i}`, `count(${x}) AS n${i}`, `min(${x}) AS lo${i}`, `max(${x}) AS hi${i}`,
      `avg(${x}) AS mu${i}`, `var_samp(${x}) AS var${i}`);
  });
  if (first && t.timeColumn) {
    const ts = timeExpr(t.timeColumn, t.layout);
    parts.push(`min(${ts}) AS t_lo`, `max(${ts}) AS t_hi`, `count(${ts}) AS t_ok`);
  }
  return `SELECT ${parts.join(', ')} FROM ${t.relation}`;
}

/**
 * Counts, min, max, mean, sample variance per column and the time range: one pass over every row per batch
 * of columns (one batch unless the data is wide, column-batches.ts).
 */
export async function scanStats(engine: DatasetEngine, t: ScanTarget): Promise<ScanResult> {
  const valueColumns = t.columns.filter((c) => c !== t.timeColumn);
  const size = columnsPerQuery(engine, COLUMN_COST_KB.stats);
  const batches = valueColumns.length === 0 ? [{ relation: t.relation, columns: [] }] : chunk(valueColumns, size).map((columns) => ({ relation: t.relation, columns }));
  const results = await inBatches(batches, async ({ columns }) => {
    const first = columns.length === 0 || columns[0] === valueColumns[0];
    const [row] = await engine.query<Record<string, unknown>>(statsSql(t, columns, first));
    if (!row) throw new Error('stats query returned no row');
    return { columns, row, first };
  });
  const head = results.find((r) => r.first)!.row;
  const rowCount = num(head.n_rows);
  const stats: Record<string, ColumnState> = {};
  for (const { columns, row } of results) {
    columns.forEach((c, i) => {
      const filled = num(row[`f${i}`]);
      const n = num(row[`n${i}`]);
      const strings = filled - n;
      stats[c] = {
        kind: n > 0 && n >= strings ? 'numeric' : 'text', n, missing: rowCount - filled, strings,
        min: orNull(row[`lo${i}`]), max: orNull(row[`hi${i}`]), mean: num(row[`mu${i}`]),
        m2: n > 1 ? num(row[`var${i}`]) * (n - 1) : 0,
      };
    });
  }
  return {
    rowCount, stats,
    timeStart: t.timeColumn ? orNull(head.t_lo) : null,
    timeEnd: t.timeColumn ? orNull(head.t_hi) : null,
    badTimes: t.timeColumn ? rowCount - num(head.t_ok) : 0,
  };
}

/** The contract's `column_stats`: numeric columns only; std is the sample standard deviation. */
export function publicStats(stats: Record<string, ColumnState>): Record<string, ColumnStats> {
  const out: Record<string, ColumnStats> = {};
  for (const [name, s] of Object.entries(stats)) {
    if (s.kind !== 'numeric' || s.n === 0 || s.min === null || s.max === null) continue;
    out[name] = { min: s.min, max: s.max, mean: s.mean, std: s.n > 1 ? Math.sqrt(s.m2 / (s.n - 1)) : 0 };
  }
  return out;
}

export function emptyState(missing = 0): ColumnState {
  return { kind: 'numeric', n: 0, missing, strings: 0, min: null, max: null, mean: 0, m2: 0 };
}

/** Folds a batch of values (null = missing) into a column's state: Welford per value. */
export function addValues(state: ColumnState, values: (number | null)[]): ColumnState {
  let { n, mean, m2, min, max, missing } = state;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) {
      missing += 1;
      continue;
    }
    n += 1;
    const delta = v - mean;
    mean += delta / n;
    m2 += delta * (v - mean);
    min = min === null || v < min ? v : min;
    max = max === null || v > max ? v : max;
  }
  return { ...state, n, mean, m2, min, max, missing, kind: n > 0 && n >= state.strings ? 'numeric' : state.kind };
}
