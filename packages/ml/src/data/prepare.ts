import type { Architecture, FieldError, Hyperparameters, Validation } from '../hyperparameters.js';
import type { MissingValueCount } from './missing.js';
import { fillMissing, finiteMeans } from './missing.js';
import type { TrainingTable } from './table.js';
import { resolveColumns, samplingIntervalSeconds } from './table.js';
import { columnStats, normalizeRows, windowStarts } from './windows.js';

/** gru_predictor's targets: a labelled fault at the window's last row or within the next 5 / 15 / 30 minutes. */
export const HORIZONS_MINUTES = [5, 15, 30] as const;

/** Windows ready for tfjs: inputs row-major [count, T, F], targets [count, width] (null for the autoencoder). */
export interface WindowSet {
  count: number;
  x: Float32Array;
  y: Float32Array | null;
  /** 0/1 label of each window's last row; null without a label column. */
  labels: Uint8Array | null;
  /** 1 when any row of the window is labelled faulty; null without a label column. */
  anyFault: Uint8Array | null;
  /** Epoch ms of each window's last row. */
  ends: Float64Array;
}

export interface PreparedData {
  features: string[];
  label: string | null;
  /** Training-row statistics the inputs were z-scored with (also the model's metadata). */
  means: number[];
  stds: number[];
  intervalSeconds: number;
  train: WindowSet;
  validation: WindowSet;
  /** Epoch ms of the first validation row. */
  splitTimestamp: number;
  missing: MissingValueCount[];
  /** Every row z-scored, row-major [rows, F], and the training rows not labelled faulty (what the linear stage fits on). */
  matrix: Float32Array;
  normalTrainRows: Int32Array;
}

/** Normalized rows plus what targets are built from: labels and their prefix sums (faults[i] = labelled rows before i). */
export interface WindowRows {
  matrix: Float32Array;
  features: number;
  labels: Float64Array | null;
  faults: Int32Array | null;
  timestamps: ArrayLike<number>;
}

/** Rows ahead for each horizon at this sampling interval (at least one row). */
export function horizonRows(intervalSeconds: number): number[] {
  return HORIZONS_MINUTES.map((m) => Math.max(1, Math.round((m * 60) / intervalSeconds)));
}

function faultsIn(faults: Int32Array, from: number, to: number): boolean {
  const end = Math.min(to, faults.length - 1);
  return end > from && (faults[end] as number) - (faults[from] as number) > 0;
}

/** Copies the windows starting at `starts` and builds each architecture's targets. */
export function buildWindowSet(rows: WindowRows, starts: Int32Array, length: number, architecture: Architecture, horizons: readonly number[]): WindowSet {
  const F = rows.features;
  const count = starts.length;
  const x = new Float32Array(count * length * F);
  const ends = new Float64Array(count);
  const { labels, faults } = rows;
  const withLabels = labels !== null && faults !== null;
  const lastLabel = withLabels ? new Uint8Array(count) : null;
  const anyFault = withLabels ? new Uint8Array(count) : null;
  const width = architecture === 'gru_predictor' ? horizons.length : 1;
  const y = withLabels && architecture !== 'lstm_autoencoder' ? new Float32Array(count * width) : null;
  starts.forEach((s, k) => {
    const last = s + length - 1;
    x.set(rows.matrix.subarray(s * F, (s + length) * F), k * length * F);
    ends[k] = rows.timestamps[last] as number;
    if (!withLabels) return;
    lastLabel![k] = (labels[last] as number) > 0 ? 1 : 0;
    anyFault![k] = faultsIn(faults, s, s + length) ? 1 : 0;
    if (!y) return;
    if (architecture === 'sentinel') y[k] = lastLabel![k] as number;
    else horizons.forEach((h, j) => (y[k * width + j] = faultsIn(faults, last, last + h + 1) ? 1 : 0));
  });
  return { count, x, y, labels: lastLabel, anyFault, ends };
}

function keep(set: WindowSet, mask: (i: number) => boolean, length: number, F: number): WindowSet {
  const idx = Array.from({ length: set.count }, (_, i) => i).filter(mask);
  const size = length * F;
  const width = set.y ? set.y.length / Math.max(set.count, 1) : 0;
  const x = new Float32Array(idx.length * size);
  const y = set.y ? new Float32Array(idx.length * width) : null;
  idx.forEach((i, k) => {
    x.set(set.x.subarray(i * size, (i + 1) * size), k * size);
    if (y) y.set(set.y!.subarray(i * width, (i + 1) * width), k * width);
  });
  const pick = <T extends Uint8Array | Float64Array>(a: T | null, make: (n: number) => T): T | null => {
    if (!a) return null;
    const out = make(idx.length);
    idx.forEach((i, k) => (out[k] = a[i] as number));
    return out;
  };
  return {
    count: idx.length, x, y,
    labels: pick(set.labels, (n) => new Uint8Array(n)), anyFault: pick(set.anyFault, (n) => new Uint8Array(n)), ends: pick(set.ends, (n) => new Float64Array(n)) as Float64Array,
  };
}

function windowError(field: string, message: string): { ok: false; errors: FieldError[] } {
  return { ok: false, errors: [{ field, message }] };
}

/**
 * The data pipeline: columns, missing cells, a split by time (the latest `validation_split` of the rows
 * validate), z-scores from the training rows, windows that never straddle the split, targets.
 */
export function prepareData(table: TrainingTable, architecture: Architecture, hp: Hyperparameters): Validation<PreparedData> {
  const resolved = resolveColumns(table, architecture, hp);
  if (!resolved.ok) return resolved;
  const { features, featureIndex, label, labelIndex } = resolved.value;
  const n = table.timestamps.length;
  const split = Math.min(n, Math.max(0, Math.round(n * (1 - hp.validation_split))));
  const raw = featureIndex.map((i) => table.values[i] as Float64Array);
  const { filled, counts } = fillMissing(features, raw, finiteMeans(raw, split));
  const stats = filled.map((col) => columnStats(col, split));
  const means = stats.map((s) => s.mean);
  const stds = stats.map((s) => s.std);
  const labels = labelIndex >= 0 ? Float64Array.from(table.values[labelIndex] as Float64Array, (v) => (Number.isFinite(v) ? v : 0)) : null;
  let faults: Int32Array | null = null;
  if (labels) {
    faults = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) faults[i + 1] = (faults[i] as number) + ((labels[i] as number) > 0 ? 1 : 0);
  }
  const intervalSeconds = samplingIntervalSeconds(table.timestamps);
  const horizons = horizonRows(intervalSeconds);
  const lookahead = architecture === 'gru_predictor' ? Math.max(...horizons) : 0;
  const T = hp.sequence_length;
  const rows: WindowRows = { matrix: normalizeRows(filled, means, stds), features: features.length, labels, faults, timestamps: table.timestamps };
  let train = buildWindowSet(rows, windowStarts(0, split, T, hp.stride, lookahead), T, architecture, horizons);
  const validation = buildWindowSet(rows, windowStarts(split, n, T, hp.stride, lookahead), T, architecture, horizons);
  const need = `${T} rows${lookahead > 0 ? ` plus ${lookahead} rows of look-ahead` : ''}`;
  if (train.count === 0) return windowError('hyperparameters.sequence_length', `no training window fits: ${split} training rows, a window needs ${need}`);
  if (validation.count === 0) return windowError('hyperparameters.validation_split', `no validation window fits: ${n - split} validation rows, a window needs ${need}`);
  if (architecture === 'lstm_autoencoder' && train.anyFault) {
    // The autoencoder models normal operation: labelled faulty windows stay out of its training.
    const normal = train.anyFault;
    train = keep(train, (i) => normal[i] === 0, T, features.length);
    if (train.count === 0) return windowError('hyperparameters.label_column', `every training window contains a labelled fault in "${label}": the autoencoder needs normal operation to learn from`);
  }
  return {
    ok: true,
    value: {
      features, label, means, stds, intervalSeconds, train, validation, splitTimestamp: (table.timestamps[split] as number | undefined) ?? Number.NaN, missing: counts,
      matrix: rows.matrix, normalTrainRows: Int32Array.from({ length: split }, (_, i) => i).filter((i) => !labels || (labels[i] as number) <= 0),
    },
  };
}
