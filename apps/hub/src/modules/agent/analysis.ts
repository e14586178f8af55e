import type { DatasetAnalysis, Recommendation } from '@prometheus/protocol';
import type { TrainingData } from '../datasets/datasets-service.js';

// Facts the agent states about a dataset, computed from every row (not from a language model): how
// complete each sensor is, readings far from their column's mean, and whether there is a daily cycle.
export interface ColumnFacts {
  column: string;
  /** Missing or non-numeric cells. */
  missing: number;
  missingShare: number;
  anomalies: number;
  /** Autocorrelation at a one-day lag, when the data spans two days or more. */
  dailyCorrelation: number | null;
}

export interface DataFacts {
  analysis: DatasetAnalysis;
  columns: ColumnFacts[];
  /** Median sampling interval (ms), when the data has times. */
  intervalMs: number | null;
  spanMs: number | null;
}

const DAY_MS = 86_400_000;
const Z_LIMIT = 4;

function moments(values: Float64Array): { n: number; mean: number; std: number } {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    n += 1;
    const d = v - mean;
    mean += d / n;
    m2 += d * (v - mean);
  }
  return { n, mean, std: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0 };
}

/** Pearson correlation of the series with itself `lag` steps later (pairs with a missing side skipped). */
export function autocorrelation(values: Float64Array, lag: number): number | null {
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i + lag < values.length; i += 1) {
    const x = values[i]!;
    const y = values[i + lag]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    syy += y * y;
    sxy += x * y;
  }
  if (n < 3) return null;
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  return vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : null;
}

function medianInterval(timestamps: Float64Array): number | null {
  const steps: number[] = [];
  for (let i = 1; i < timestamps.length; i += 1) {
    const d = timestamps[i]! - timestamps[i - 1]!;
    if (Number.isFinite(d) && d > 0) steps.push(d);
  }
  if (steps.length === 0) return null;
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)]!;
}

function columnFacts(name: string, values: Float64Array, rows: number, dayLag: number | null): ColumnFacts {
  const { n, mean, std } = moments(values);
  let anomalies = 0;
  if (std > 0) for (const v of values) if (Number.isFinite(v) && Math.abs(v - mean) > Z_LIMIT * std) anomalies += 1;
  const missing = rows - n;
  return {
    column: name, missing, missingShare: rows > 0 ? missing / rows : 1, anomalies,
    dailyCorrelation: dayLag !== null ? autocorrelation(values, dayLag) : null,
  };
}

/** The contract's `analysis` object and the per-column facts behind it. */
export function analyzeData(data: TrainingData, recommendations: Recommendation[]): DataFacts {
  const intervalMs = data.timestamps.length > 1 ? medianInterval(data.timestamps) : null;
  const first = data.timestamps.find(Number.isFinite);
  const last = data.timestamps.findLast(Number.isFinite);
  const spanMs = first !== undefined && last !== undefined ? last - first : null;
  const lag = intervalMs && spanMs !== null && spanMs >= 2 * DAY_MS ? Math.round(DAY_MS / intervalMs) : null;
  const dayLag = lag !== null && lag >= 2 && lag < data.rowCount / 2 ? lag : null;
  const columns = data.columns.map((c, i) => columnFacts(c, data.values[i]!, data.rowCount, dayLag));
  const worst = columns.reduce((m, c) => Math.max(m, c.missingShare), columns.length === 0 ? 1 : 0);
  const best = recommendations[0];
  if (!best) throw new Error('the recommendation engine returned nothing');
  return {
    intervalMs, spanMs, columns,
    analysis: {
      data_quality: worst < 0.01 ? 'good' : worst < 0.05 ? 'fair' : 'poor',
      seasonality: columns.some((c) => c.dailyCorrelation !== null && c.dailyCorrelation >= 0.5),
      anomalies_detected: columns.reduce((sum, c) => sum + c.anomalies, 0),
      recommended_architecture: best.architecture,
      recommended_hyperparameters: best.hyperparameters,
    },
  };
}
