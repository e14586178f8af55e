import { fillMissing, finiteMeans } from '../data/missing.js';
import type { TrainingTable } from '../data/table.js';
import { findColumn, samplingIntervalSeconds } from '../data/table.js';
import { percentile } from '../metrics/classification.js';
import type { ModelMetadata } from '../model/metadata.js';
import { fitPca, pcaErrors, type PcaModel } from './pca.js';

// The linear baseline an evaluation measures a model against (shared/data/lbnl's README): PCA keeping 95% of
// the variance, fitted on the model's own training rows (its features, its time split, labelled faults left
// out), a row's score the trailing 60-minute mean of its squared reconstruction error, and the threshold
// chosen by the autoencoder's rule: `threshold_percentile` of the score on the normal validation rows.

export const BASELINE_VARIANCE = 0.95;
export const BASELINE_MINUTES = 60;
/** A gap longer than this many sampling intervals starts a new recording: the trailing mean restarts. */
export const GAP_INTERVALS = 5;

export interface PcaBaseline {
  pca: PcaModel;
  features: string[];
  /** Rows in the trailing mean: BASELINE_MINUTES at the model's sampling interval. */
  smoothingRows: number;
  threshold: number;
  /** Rows the components were fitted on. */
  fitRows: number;
}

export type BaselineModelInfo = Pick<ModelMetadata, 'feature_columns' | 'label_column' | 'sampling_interval_seconds' | 'hyperparameters'>;

/** Row ranges [start, end) with no gap between consecutive rows longer than `factor` sampling intervals. */
export function timeSegments(timestamps: ArrayLike<number>, factor = GAP_INTERVALS): [number, number][] {
  const limit = factor * samplingIntervalSeconds(timestamps) * 1000;
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 1; i <= timestamps.length; i++) {
    if (i === timestamps.length || (timestamps[i] as number) - (timestamps[i - 1] as number) > limit) {
      if (i > start) out.push([start, i]);
      start = i;
    }
  }
  return out;
}

/** Trailing mean over `width` rows, restarting at every gap in time. */
function smoothOverTime(errors: Float64Array, timestamps: ArrayLike<number>, width: number): Float64Array {
  const out = new Float64Array(errors.length);
  for (const [a, b] of timeSegments(timestamps)) {
    let sum = 0;
    for (let i = a; i < b; i++) {
      sum += errors[i] as number;
      if (i - a >= width) sum -= errors[i - width] as number;
      out[i] = sum / Math.min(i - a + 1, width);
    }
  }
  return out;
}

function featureColumns(table: TrainingTable, features: readonly string[]): Float64Array[] {
  const index = features.map((f) => findColumn(table.columns, f));
  const absent = features.filter((_, i) => index[i] === -1);
  if (absent.length > 0) throw new Error(`the table lacks the baseline's feature columns: ${absent.join(', ')}`);
  return index.map((i) => table.values[i] as Float64Array);
}

const isFault = (v: number | undefined) => Number.isFinite(v) && (v as number) > 0;

/** Fits the baseline on the rows the model trained on: same features, same split, normal rows only. */
export function fitPcaBaseline(table: TrainingTable, model: BaselineModelInfo): PcaBaseline {
  const features = model.feature_columns;
  const raw = featureColumns(table, features);
  const n = table.timestamps.length;
  const split = Math.min(n, Math.max(0, Math.round(n * (1 - model.hyperparameters.validation_split))));
  // Missing cells as the training pipeline fills them: forward, then the training rows' mean.
  const { filled } = fillMissing(features, raw, finiteMeans(raw, split));
  const labelIndex = model.label_column === null ? -1 : findColumn(table.columns, model.label_column);
  const labels = labelIndex >= 0 ? (table.values[labelIndex] as Float64Array) : null;
  const fitRows: number[] = [];
  for (let i = 0; i < split; i++) if (!labels || !isFault(labels[i])) fitRows.push(i);
  const pca = fitPca(filled, { variance: BASELINE_VARIANCE, rows: fitRows });
  const smoothingRows = Math.max(1, Math.round((BASELINE_MINUTES * 60) / model.sampling_interval_seconds));
  const scores = smoothOverTime(pcaErrors(pca, filled), table.timestamps, smoothingRows);
  const normalValidation: number[] = [];
  for (let i = split; i < n; i++) if (!labels || !isFault(labels[i])) normalValidation.push(scores[i] as number);
  // Without a normal validation row the fitted rows stand in (the model would have had no threshold either).
  const reference = normalValidation.length > 0 ? normalValidation : fitRows.map((i) => scores[i] as number);
  const threshold = percentile(reference, model.hyperparameters.threshold_percentile);
  return { pca, features: [...features], smoothingRows, threshold, fitRows: fitRows.length };
}

/** The baseline's score of every row of a table (gaps filled forward, then with the fitted means). */
export function pcaBaselineScores(baseline: PcaBaseline, table: TrainingTable): Float64Array {
  const { filled } = fillMissing(baseline.features, featureColumns(table, baseline.features), baseline.pca.means);
  return smoothOverTime(pcaErrors(baseline.pca, filled), table.timestamps, baseline.smoothingRows);
}

/**
 * Row index of each time in `ends` (ascending, each a row's timestamp), scanning forward from the previous
 * match: aligns per-window figures to the rows their windows end on.
 */
export function rowsAtTimes(timestamps: ArrayLike<number>, ends: ArrayLike<number>): Int32Array {
  const out = new Int32Array(ends.length);
  let r = 0;
  for (let k = 0; k < ends.length; k++) {
    const t = ends[k] as number;
    while (r < timestamps.length && (timestamps[r] as number) < t) r++;
    if (r >= timestamps.length || timestamps[r] !== t) throw new Error(`no row at ${new Date(t).toISOString()} to align a window to`);
    out[k] = r;
  }
  return out;
}
