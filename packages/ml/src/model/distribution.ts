import type { TrainingTable } from '../data/table.js';

// The training distribution a model carries for drift: fixed-bin histograms of each feature (raw values of the
// training rows) and of the reported score (normal validation windows). Bins are decile edges of the training
// values, fixed at training; the two end bins are open (below the first edge, at or above the last), so a shift
// beyond anything trained still lands in a bin. Equal-mass bins make PSI sensitive everywhere the training data
// lived; duplicated edges (a discrete feature) are merged, so such a feature has fewer bins. The agent keeps the
// same histograms per hour of readings and sends only the counts; the hub compares them with PSI.
// No tfjs here: the edge imports it.

export interface BinnedDistribution {
  /** Interior bin edges, ascending: bin i holds values in [edges[i-1], edges[i]); bin 0 and the last bin are open. */
  edges: number[];
  /** Share of the training values in each bin (edges.length + 1 entries, summing to 1). */
  expected: number[];
}

export interface TrainingDistribution {
  /** Histogram layout version: the hub and the agent must bin alike. */
  format: 'prometheus-histograms/1';
  features: (BinnedDistribution & { column: string })[];
  /** The reported score on normal validation windows; null when there were too few to bin. */
  score: BinnedDistribution | null;
  /** Values each histogram was learnt from. */
  rows: number;
}

/** Decile edges: ten bins of equal training mass where the values allow it. */
export const DRIFT_BINS = 10;
/** Empty bins count as this share in PSI, so ln(0) never happens and one empty bin cannot dominate. */
export const PSI_EPSILON = 1e-4;
/** Fewer finite values than this give no histogram: quantiles of a handful of values are noise. */
const MIN_VALUES = 20;

/** The bin of `v`: how many edges are at or below it (binary search). */
export function binIndex(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((edges[mid] as number) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts of `values` (non-finite ones skipped) in the bins of `edges`. */
export function histogram(edges: readonly number[], values: Iterable<number>): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const i = binIndex(edges, v);
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

/** Population stability index of observed `counts` against the `expected` shares: sum (a - e) ln(a / e). */
export function psi(expected: readonly number[], counts: readonly number[], epsilon = PSI_EPSILON): number {
  const n = counts.reduce((s, c) => s + c, 0);
  if (n === 0 || expected.length !== counts.length) return Number.NaN;
  let total = 0;
  expected.forEach((e0, i) => {
    const e = Math.max(e0, epsilon);
    const a = Math.max((counts[i] as number) / n, epsilon);
    total += (a - e) * Math.log(a / e);
  });
  return total;
}

/** Decile edges of the finite `values` and their training shares; undefined when too few values. */
export function binDistribution(values: readonly number[], bins = DRIFT_BINS): BinnedDistribution | undefined {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length < MIN_VALUES) return undefined;
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const edge = sorted[Math.floor((k * sorted.length) / bins)] as number;
    if (edges.length === 0 || edge > (edges.at(-1) as number)) edges.push(edge);
  }
  const counts = histogram(edges, sorted);
  return { edges, expected: counts.map((c) => c / sorted.length) };
}

/**
 * Feature histograms of the training rows (timestamps before `splitTimestamp`, the rows the normalization was
 * learnt from; all rows when it is not known) for each of `features`; null when no feature has enough values.
 */
export function learnFeatureDistribution(table: TrainingTable, features: readonly string[], splitTimestamp: number): Omit<TrainingDistribution, 'score'> | null {
  const until = Number.isFinite(splitTimestamp) ? splitTimestamp : Number.POSITIVE_INFINITY;
  let rows = 0;
  while (rows < table.timestamps.length && (table.timestamps[rows] as number) < until) rows++;
  const out: TrainingDistribution['features'] = [];
  for (const column of features) {
    const values = table.values[table.columns.indexOf(column)];
    const binned = values ? binDistribution(Array.from(values.subarray(0, rows))) : undefined;
    if (binned) out.push({ column, ...binned });
  }
  return out.length > 0 ? { format: 'prometheus-histograms/1', features: out, rows } : null;
}
