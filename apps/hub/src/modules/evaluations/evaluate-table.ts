import {
  calibration, classificationMetrics, featureErrorShare, findColumn, foldStability, outsideEnvelope, percentile, persistenceMinutes, persistScores, rocCurve,
  rollingMean, scoreTable, thresholdMargin, timeSegments, type ClassificationMetrics, type ModelMetadata, type TrainingTable,
} from '@prometheus/ml';
import type { EvaluationFigures } from '@prometheus/protocol';
import { alarmEpisodes, type Alarms } from './alarms.js';
import { measureBaseline, type BaselineOutcome } from './baseline.js';

// Scoring a dataset with a trained model and measuring it (runs in a worker thread: see score-worker.ts).
// The data is cut at gaps in time so no window spans two recordings; the score of a window is the model's
// own (reconstruction error or fault probability) after the model's persistence (the trailing mean over its
// `persistence_minutes`, exactly as the edge computes it), or, when the request names `smoothing`, the
// trailing mean over that many windows of a segment instead. Windows outside the model's operating envelope
// (conditions it never saw) are scored but left out of the metrics, the baseline, the alarms and the persistence.
export interface EvaluationJob {
  model: { metadata: ModelMetadata; weights: Float32Array };
  table: TrainingTable;
  /** Column holding the 0/1 labels, or null: then every label-based figure is null. */
  labelColumn: string | null;
  stride: number;
  /** Trailing mean over this many windows of a segment instead of the model's persistence; null: the model's. */
  smoothing: number | null;
  /** Row ranges the windows are taken from; default: the table cut at gaps in time (`segments`). */
  ranges?: [number, number][];
  /** The table the model trained on, for the PCA baseline; null: no baseline (the training rows are gone). */
  trainingTable: TrainingTable | null;
  /** Most alarms listed (default MAX_LISTED_ALARMS, the highest peaks); a diagnosis takes them all. */
  alarmCap?: number;
}

export interface EvaluationOutcome {
  /** The model's persistence applied (0 when `smoothing` replaced it). */
  persistenceMinutes: number;
  /** Windows outside the model's operating envelope: scored, but in no metric. */
  outOfRangeWindows: number;
  windows: number;
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
  const raw: number[] = [];
  const outside: boolean[] = [];
  const windowErrors: Float32Array[] = [];
  const errorTotals = new Float64Array(metadata.feature_columns.length);
  let hasFeatureErrors = false;
  for (const range of job.ranges ?? segments(table.timestamps)) {
    if (range[1] - range[0] < metadata.sequence_length) continue;
    // Labels only from the column chosen for this dataset (null: none are read, whatever the model's was).
    const scored = await scoreTable(model, slice(table, range), { stride: job.stride, labelColumn: job.labelColumn });
    segmentStarts.add(raw.length);
    // Loops, not push(...array): a spread of a few hundred thousand windows overflows the stack.
    for (const v of scored.scores) raw.push(v);
    for (const v of outOfRange(job, range, scored.ends)) outside.push(v);
    if (job.smoothing !== null) for (const v of rollingMean(scored.scores, job.smoothing)) scores.push(v);
    for (const t of scored.ends) ends.push(t);
    if (scored.labels) for (const v of scored.labels) labels.push(v);
    if (scored.windowFeatureErrors) windowErrors.push(scored.windowFeatureErrors);
    if (scored.featureErrors) {
      hasFeatureErrors = true;
      scored.featureErrors.forEach((e, f) => (errorTotals[f] = (errorTotals[f] as number) + e));
    }
  }
  if (raw.length === 0) throw new Error(`no window of ${metadata.sequence_length} rows fits between the gaps in this dataset`);
  const persistence = job.smoothing === null ? persistenceMinutes(metadata) : 0;
  if (job.smoothing === null) for (const v of persistScores(ends, raw, persistence, outside)) scores.push(v);
  const perWindow = hasFeatureErrors ? new Float32Array(raw.length * metadata.feature_columns.length) : null;
  let offset = 0;
  for (const chunk of windowErrors) {
    perWindow?.set(chunk, offset);
    offset += chunk.length;
  }
  return inRange({ scores, labels: job.labelColumn !== null ? labels : null, ends, segmentStarts, perWindow, errorTotals: hasFeatureErrors ? errorTotals : null }, outside, metadata.feature_columns.length, persistence);
}

type Scored = { scores: number[]; labels: number[] | null; ends: number[]; segmentStarts: Set<number>; perWindow: Float32Array | null; errorTotals: Float64Array | null };

/** The windows inside the envelope only (a removed run of windows starts a new segment for the alarms). */
function inRange(s: Scored, outside: boolean[], F: number, persistence: number): Scored & { persistence: number; outOfRange: number; windows: number } {
  const keep = outside.flatMap((o, i) => (o ? [] : [i]));
  const windows = outside.length;
  if (keep.length === 0) throw new Error('every window of this dataset lies outside the operating conditions the model was trained on');
  if (keep.length === windows) return { ...s, persistence, outOfRange: 0, windows };
  const segmentStarts = new Set<number>();
  keep.forEach((i, k) => {
    if (k === 0 || s.segmentStarts.has(i) || keep[k - 1] !== i - 1) segmentStarts.add(k);
  });
  const perWindow = s.perWindow ? new Float32Array(keep.length * F) : null;
  const errorTotals = s.errorTotals ? new Float64Array(F) : null;
  keep.forEach((i, k) => {
    const row = s.perWindow?.subarray(i * F, (i + 1) * F);
    if (!row) return;
    perWindow?.set(row, k * F);
    row.forEach((e, f) => (errorTotals![f] = (errorTotals![f] as number) + e));
  });
  return {
    scores: keep.map((i) => s.scores[i] as number), labels: s.labels ? keep.map((i) => s.labels![i] as number) : null, ends: keep.map((i) => s.ends[i] as number),
    segmentStarts, perWindow, errorTotals, persistence, outOfRange: windows - keep.length, windows,
  };
}

/** Per window (by end time): outside the model's operating envelope (any of its rows, as at the edge). */
function outOfRange(job: EvaluationJob, [a, b]: [number, number], ends: ArrayLike<number>): boolean[] {
  const { envelope, feature_columns: features, sequence_length: T } = job.model.metadata;
  if (!envelope) return Array.from({ length: ends.length }, () => false);
  const columns = features.map((f) => job.table.values[findColumn(job.table.columns, f)] as Float64Array);
  const rowOutside = new Uint8Array(b - a);
  const rowAt = new Map<number, number>();
  for (let r = a; r < b; r++) {
    rowAt.set(job.table.timestamps[r] as number, r);
    rowOutside[r - a] = outsideEnvelope(envelope, features, columns.map((c) => c[r] as number)) === null ? 0 : 1;
  }
  return Array.from(ends, (end) => {
    const last = rowAt.get(end) as number;
    for (let r = Math.max(a, last - T + 1); r <= last; r++) if (rowOutside[r - a]) return true;
    return false;
  });
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
  const { scores, labels: y, ends, segmentStarts, perWindow, errorTotals, persistence, outOfRange: outOfRangeWindows, windows } = await scoreRanges(job);
  const threshold = metadata.threshold;
  const folds = foldStability(scores, y, threshold);
  const supervised = metadata.architecture !== 'lstm_autoencoder';
  const cal = supervised ? calibration(scores, y) : null;
  const base = baselineOf(job, ends, y);
  return {
    persistenceMinutes: persistence, outOfRangeWindows, windows,
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
    alarms: alarmEpisodes({ scores, ends, segmentStarts, threshold, featureErrors: perWindow, features }, job.alarmCap),
  };
}
