import type { Architecture, FieldError, Hyperparameters, Validation } from '../hyperparameters.js';
import { isSupervised } from '../hyperparameters.js';

/** What training and scoring read: plain arrays, cloneable into a worker. */
export interface TrainingTable {
  /** Column names, in the order of `values`. */
  columns: string[];
  /** Epoch ms per row, ascending. */
  timestamps: Float64Array | number[];
  /** One array per column; NaN = missing or unparseable. */
  values: Float64Array[];
}

export interface ResolvedColumns {
  features: string[];
  featureIndex: number[];
  label: string | null;
  /** -1 without a label column. */
  labelIndex: number;
}

const TIMESTAMP_KEYS = new Set(['timestamp', 'time', 'datetime', 'date', 'ts']);
const LABEL_KEYS = new Set(['fault', 'label', 'alarm', 'faultdetectiongroundtruth']);

/** A column name compared loosely: case, whitespace, `_` and `-` ignored ("Fault Detection Ground Truth" = "fault_detection_ground_truth"). */
export function columnKey(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

/** Index of `name` in `columns`: the exact name first, else the loose match (columnKey); -1 when absent. */
export function findColumn(columns: readonly string[], name: string): number {
  const exact = columns.indexOf(name);
  if (exact !== -1) return exact;
  const key = columnKey(name);
  return columns.findIndex((c) => columnKey(c) === key);
}

export function isTimestampColumn(name: string): boolean {
  return TIMESTAMP_KEYS.has(columnKey(name));
}

/** The first column named like a label (`fault`, `label`, `alarm`, `Fault Detection Ground Truth`), or null. */
export function findLabelColumn(columns: readonly string[]): string | null {
  return columns.find((c) => LABEL_KEYS.has(columnKey(c))) ?? null;
}

/** Median gap between consecutive rows, in seconds (60 when there are fewer than two distinct times). */
export function samplingIntervalSeconds(timestamps: ArrayLike<number>): number {
  const gaps: number[] = [];
  for (let i = 1; i < timestamps.length; i++) {
    const gap = (timestamps[i] as number) - (timestamps[i - 1] as number);
    if (gap > 0 && Number.isFinite(gap)) gaps.push(gap);
  }
  if (gaps.length === 0) return 60;
  gaps.sort((a, b) => a - b);
  return (gaps[Math.floor(gaps.length / 2)] as number) / 1000;
}

function resolveLabel(columns: readonly string[], architecture: Architecture, hp: Hyperparameters): Validation<number> {
  if (hp.label_column !== null) {
    const i = findColumn(columns, hp.label_column);
    if (i === -1) return { ok: false, errors: [{ field: 'hyperparameters.label_column', message: `column "${hp.label_column}" is not in the dataset (columns: ${columns.join(', ')})` }] };
    return { ok: true, value: i };
  }
  const found = findLabelColumn(columns);
  if (found === null && isSupervised(architecture)) {
    return { ok: false, errors: [{ field: 'hyperparameters.label_column', message: `${architecture} needs a label column of 0/1 values: name one, or call a column fault, label or alarm` }] };
  }
  return { ok: true, value: found === null ? -1 : columns.indexOf(found) };
}

/**
 * Label and feature columns of a table for an architecture: the named ones when given, else the label
 * found by name and every other column that is not a time column. Errors name the hyperparameter.
 */
export function resolveColumns(table: TrainingTable, architecture: Architecture, hp: Hyperparameters): Validation<ResolvedColumns> {
  const { columns } = table;
  const label = resolveLabel(columns, architecture, hp);
  if (!label.ok) return label;
  const labelIndex = label.value;
  const errors: FieldError[] = [];
  let featureIndex: number[];
  if (hp.feature_columns !== null) {
    featureIndex = [];
    for (const name of hp.feature_columns) {
      const i = findColumn(columns, name);
      if (i === -1) errors.push({ field: 'hyperparameters.feature_columns', message: `column "${name}" is not a numeric column of the dataset` });
      else if (isTimestampColumn(columns[i] as string)) errors.push({ field: 'hyperparameters.feature_columns', message: `"${name}" is the time column, not a feature` });
      else if (i === labelIndex) errors.push({ field: 'hyperparameters.feature_columns', message: `"${name}" is the label column` });
      else featureIndex.push(i);
    }
  } else {
    featureIndex = columns.flatMap((c, i) => (i === labelIndex || isTimestampColumn(c) ? [] : [i]));
    if (featureIndex.length === 0) errors.push({ field: 'hyperparameters.feature_columns', message: 'the dataset has no numeric feature column' });
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    value: { features: featureIndex.map((i) => columns[i] as string), featureIndex, label: labelIndex === -1 ? null : (columns[labelIndex] as string), labelIndex },
  };
}
