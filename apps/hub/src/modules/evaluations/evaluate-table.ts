import {
  calibration, classificationMetrics, featureErrorShare, foldStability, percentile, rocCurve, rollingMean, scoreTable, thresholdMargin, timeSegments,
  type ClassificationMetrics, type ModelMetadata, type TrainingTable,
} from '@prometheus/ml';
import type { EvaluationFigures } from '@prometheus/protocol';
import { alarmEpisodes, type Alarms } from './alarms.js';
import { measureBaseline, type BaselineOutcome } from './baseline.js';

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
  /** Row ranges the windows are taken from; default: the table cut at gaps in time (`segments`). */
  ranges?: [number, number][];
  /** The table the model trained on, for the PCA baseline; null: no baseline (the training rows are gone). */
  trainingTable: TrainingTable | null;
}

export interface EvaluationOutcome {
  metrics: ClassificationMetrics;
  figures: EvaluationFigures;
  baseline: BaselineOutcome | null;
  /** Why there is no baseline although a training table was given (too few rows...). */
  baselineError: string | null;
  alarms: Alarms;
}

/** Row ranges without a gap longer than five sampling intervals (no window spans two recordings). */
export const segments = (timestamps: ArrayLike<number>): [number, number][] => timeSegments(timestamps);

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

/** The windows of every range, scored: scores smoothed within a range, labels, ends, per-window feature errors. */
async function scoreRanges(job: EvaluationJob) {
  const { model, table } = job;
  const metadata = model.metadata;
  const scores: number[] = [];
  const labels: number[] = [];
  const ends: number[] = [];
  const segmentStarts = new Set<number>();
  const windowErrors: Float32Array[] = [];
  const errorTotals = new Float64Array(metadata.feature_columns.length);
  let hasFeatureErrors = false;
  for (const range of job.ranges ?? segments(table.timestamps)) {
    if (range[1] - range[0] < metadata.sequence_length) continue;
    // Labels only from the column chosen for this dataset (null: none are read, whatever the model's was).
    const scored = await scoreTable(model, slice(table, range), { stride: job.stride, labelColumn: job.labelColumn });
    segmentStarts.add(scores.length);
    // Loops, not push(...array): a spread of a few hundred thousand windows overflows the stack.
    for (const v of rollingMean(scored.scores, job.smoothing)) scores.push(v);
    for (const t of scored.ends) ends.push(t);
    if (scored.labels) for (const v of scored.labels) labels.push(v);
    if (scored.windowFeatureErrors) windowErrors.push(scored.windowFeatureErrors);
    if (scored.featureErrors) {
      hasFeatureErrors = true;
      scored.featureErrors.forEach((e, f) => (errorTotals[f] = (errorTotals[f] as number) + e));
    }
  }
  if (scores.length === 0) throw new Error(`no window of ${metadata.sequence_length} rows fits between the gaps in this dataset`);
  const perWindow = hasFeatureErrors ? new Float32Array(scores.length * metadata.feature_columns.length) : null;
  let offset = 0;
  for (const chunk of windowErrors) {
    perWindow?.set(chunk, offset);
    offset += chunk.length;
  }
  return { scores, labels: job.labelColumn !== null ? labels : null, ends, segmentStarts, perWindow, errorTotals: hasFeatureErrors ? errorTotals : null };
}

function baselineOf(job: EvaluationJob, ends: number[], labels: number[] | null): Pick<EvaluationOutcome, 'baseline' | 'baselineError'> {
  if (!job.trainingTable) return { baseline: null, baselineError: null };
  try {
    return { baseline: measureBaseline(job.model.metadata, job.trainingTable, job.table, ends, labels), baselineError: null };
  } catch (err) {
    return { baseline: null, baselineError: err instanceof Error ? err.message : String(err) };
  }
}

export async function evaluateTable(job: EvaluationJob): Promise<EvaluationOutcome> {
  const metadata = job.model.metadata;
  const features = metadata.feature_columns;
  const { scores, labels: y, ends, segmentStarts, perWindow, errorTotals } = await scoreRanges(job);
  const threshold = metadata.threshold;
  const folds = foldStability(scores, y, threshold);
  const supervised = metadata.architecture !== 'lstm_autoencoder';
  const cal = supervised ? calibration(scores, y) : null;
  const base = baselineOf(job, ends, y);
  return {
    metrics: classificationMetrics(scores, y, threshold),
    figures: {
      folds: folds.folds, auc_std: folds.auc_std, f1_std: folds.f1_std,
      calibration: cal ? { brier: cal.brier, ece: cal.ece } : null,
      feature_error_share: errorTotals ? featureErrorShare(Float32Array.from(errorTotals), features) : null,
      threshold_margin: thresholdMargin(scores, y, threshold),
      score_separation: scoreSeparation(scores, y), missing_value_share: missingShare(job),
      roc_curve: rocCurve(scores, y), baseline_roc_curve: base.baseline?.roc_curve ?? null,
    },
    ...base,
    alarms: alarmEpisodes({ scores, ends, segmentStarts, threshold, featureErrors: perWindow, features }),
  };
}
