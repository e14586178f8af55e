import {
  calibration, classificationMetrics, featureErrorShare, foldStability, percentile, rocCurve, rollingMean, samplingIntervalSeconds, scoreTable, thresholdMargin,
  type ClassificationMetrics, type ModelMetadata, type TrainingTable,
} from '@prometheus/ml';
import type { EvaluationFigures } from '@prometheus/protocol';

// Scoring a dataset with a trained model and measuring it (runs in a worker thread: see score-worker.ts).
// The data is cut at gaps in time so no window spans two recordings; the score of a window is the model's
// own (reconstruction error or fault probability), optionally the trailing mean over `smoothing` windows.
export interface EvaluationJob {
  model: { metadata: ModelMetadata; weights: Float32Array };
  table: TrainingTable;
  /** Column holding the 0/1 labels, or null: then every label-based figure is null. */
  labelColumn: string | null;
  stride: number;
  smoothing: number;
}

export interface EvaluationOutcome {
  metrics: ClassificationMetrics;
  figures: EvaluationFigures;
}

const GAP_FACTOR = 5;

/** Row ranges without a gap longer than GAP_FACTOR sampling intervals. */
export function segments(timestamps: ArrayLike<number>): [number, number][] {
  const limit = GAP_FACTOR * samplingIntervalSeconds(timestamps) * 1000;
  const out: [number, number][] = [];
  let start = 0;
  for (let i = 1; i <= timestamps.length; i++) {
    if (i === timestamps.length || (timestamps[i] as number) - (timestamps[i - 1] as number) > limit) {
      out.push([start, i]);
      start = i;
    }
  }
  return out.filter(([a, b]) => b > a);
}

function slice(table: TrainingTable, [a, b]: [number, number]): TrainingTable {
  return { columns: table.columns, timestamps: Array.prototype.slice.call(table.timestamps, a, b) as number[], values: table.values.map((v) => v.subarray(a, b)) };
}

function missingShare(job: EvaluationJob): number {
  const idx = job.model.metadata.feature_columns.map((f) => job.table.columns.indexOf(f));
  let missing = 0;
  for (const i of idx) for (const v of job.table.values[i] as Float64Array) if (!Number.isFinite(v)) missing++;
  const cells = idx.length * job.table.timestamps.length;
  return cells > 0 ? missing / cells : 0;
}

/** (median faulty - median normal) / IQR of normal scores; null without both classes or spread. */
export function scoreSeparation(scores: ArrayLike<number>, labels: ArrayLike<number> | null): number | null {
  if (!labels) return null;
  const normal: number[] = [];
  const faulty: number[] = [];
  for (let i = 0; i < scores.length; i++) ((labels[i] as number) > 0 ? faulty : normal).push(scores[i] as number);
  if (normal.length < 2 || faulty.length === 0) return null;
  const iqr = percentile(normal, 75) - percentile(normal, 25);
  return iqr > 0 ? (percentile(faulty, 50) - percentile(normal, 50)) / iqr : null;
}

export async function evaluateTable(job: EvaluationJob): Promise<EvaluationOutcome> {
  const { model, table } = job;
  const metadata = model.metadata;
  const scores: number[] = [];
  const labels: number[] = [];
  const features = metadata.feature_columns;
  const errorTotals = new Float64Array(features.length);
  let hasFeatureErrors = false;
  for (const range of segments(table.timestamps)) {
    if (range[1] - range[0] < metadata.sequence_length) continue;
    // Labels only from the column chosen for this dataset (null: none are read, whatever the model's was).
    const scored = await scoreTable(model, slice(table, range), { stride: job.stride, labelColumn: job.labelColumn });
    // Loops, not push(...array): a spread of a few hundred thousand windows overflows the stack.
    for (const v of rollingMean(scored.scores, job.smoothing)) scores.push(v);
    if (scored.labels) for (const v of scored.labels) labels.push(v);
    if (scored.featureErrors) {
      hasFeatureErrors = true;
      scored.featureErrors.forEach((e, f) => (errorTotals[f] = (errorTotals[f] as number) + e));
    }
  }
  if (scores.length === 0) throw new Error(`no window of ${metadata.sequence_length} rows fits between the gaps in this dataset`);
  const y = job.labelColumn !== null ? labels : null;
  const threshold = metadata.threshold;
  const folds = foldStability(scores, y, threshold);
  const supervised = metadata.architecture !== 'lstm_autoencoder';
  const cal = supervised ? calibration(scores, y) : null;
  return {
    metrics: classificationMetrics(scores, y, threshold),
    figures: {
      folds: folds.folds, auc_std: folds.auc_std, f1_std: folds.f1_std,
      calibration: cal ? { brier: cal.brier, ece: cal.ece } : null,
      feature_error_share: hasFeatureErrors ? featureErrorShare(Float32Array.from(errorTotals), features) : null,
      threshold_margin: thresholdMargin(scores, y, threshold),
      score_separation: scoreSeparation(scores, y), missing_value_share: missingShare(job),
      roc_curve: rocCurve(scores, y),
    },
  };
}
