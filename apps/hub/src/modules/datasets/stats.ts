import type { ColumnStats } from '@prometheus/protocol';
import type { ColumnState, CsvLayout } from '../../db/schema/index.js';
import { chunk, COLUMN_COST_KB, columnsPerQuery, inBatches } from './column-batches.js';
import { ident, isOutOfMemory, type DatasetEngine } from './engine.js';
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

/** The aggregates of each value column named in `columns` (f<i>, n<i>, ...), plus the row count and the time range. */
function statsSql(t: ScanTarget, columns: string[]): string {
  const parts = ['count(*) AS n_rows'];
  columns.forEach((c, i) => {
    const x = numericExpr(c);
    parts.push(`count(${ident(c)}) AS f${i}`, `count(${x}) AS n${i}`, `min(${x}) AS lo${i}`, `max(${x}) AS hi${i}`,
      `avg(${x}) AS mu${i}`, `var_samp(${x}) AS var${i}`);
  });
  if (t.timeColumn) {
    const ts = timeExpr(t.timeColumn, t.layout);
    parts.push(`min(${ts}) AS t_lo`, `max(${ts}) AS t_hi`, `count(${ts}) AS t_ok`);
  }
  return `SELECT ${parts.join(', ')} FROM ${t.relation}`;
}

/**
 * The same aggregates for wide data, one row per column: the batch's cells as one long column (UNPIVOT, which
 * leaves out empty cells) grouped by column name, so the query holds six aggregates whatever the batch's width.
 */
function longStatsSql(t: ScanTarget, columns: string[]): string {
  return `SELECT name, count(v) AS f, count(x) AS n, min(x) AS lo, max(x) AS hi, avg(x) AS mu, var_samp(x) AS var `
    + `FROM (SELECT name, v, ${numericExpr('v')} AS x FROM (UNPIVOT (SELECT ${columns.map(ident).join(', ')} FROM ${t.relation}) `
    + 'ON COLUMNS(*) INTO NAME name VALUE v)) GROUP BY name';
}

interface Aggregates { f?: unknown; n?: unknown; lo?: unknown; hi?: unknown; mu?: unknown; var?: unknown }

/** Wide data: batches of columns in long form (column-batches.ts), each one pass over the rows. */
async function longStats(engine: DatasetEngine, t: ScanTarget, columns: string[]): Promise<Map<string, Aggregates>> {
  const out = new Map<string, Aggregates>();
  const batches = chunk(columns, columnsPerQuery(engine, COLUMN_COST_KB.longStats)).map((batch) => ({ relation: t.relation, columns: batch }));
  await inBatches(batches, async (batch) => {
    for (const row of await engine.query<Aggregates & { name: string }>(longStatsSql(t, batch.columns))) out.set(row.name, row);
  });
  return out;
}

/**
 * Counts, min, max, mean, sample variance per column and the time range: one pass over every row, or for wide
 * data (or when the engine's memory is short) one for the row count and time range plus one per batch of columns.
 */
export async function scanStats(engine: DatasetEngine, t: ScanTarget): Promise<ScanResult> {
  const valueColumns = t.columns.filter((c) => c !== t.timeColumn);
  let wide = valueColumns.length > columnsPerQuery(engine, COLUMN_COST_KB.stats);
  const first = async (columns: string[]) => (await engine.query<Record<string, unknown>>(statsSql(t, columns)))[0];
  let head = wide ? await first([]) : await first(valueColumns).catch((err: unknown) => {
    if (!isOutOfMemory(err)) throw err;
    wide = true;
    return undefined;
  });
  head ??= await first([]);
  if (!head) throw new Error('stats query returned no row');
  const byColumn = wide ? await longStats(engine, t, valueColumns)
    : new Map(valueColumns.map((c, i) => [c, { f: head[`f${i}`], n: head[`n${i}`], lo: head[`lo${i}`], hi: head[`hi${i}`], mu: head[`mu${i}`], var: head[`var${i}`] }]));
  const rowCount = num(head.n_rows);
  const stats: Record<string, ColumnState> = {};
  for (const c of valueColumns) {
    // A column with no cells at all has no row in long form.
    const a = byColumn.get(c) ?? {};
    const filled = num(a.f);
    const n = num(a.n);
    const strings = filled - n;
    stats[c] = {
      kind: n > 0 && n >= strings ? 'numeric' : 'text', n, missing: rowCount - filled, strings,
      min: orNull(a.lo), max: orNull(a.hi), mean: num(a.mu), m2: n > 1 ? num(a.var) * (n - 1) : 0,
    };
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
