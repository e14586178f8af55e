import type { DatasetDetail } from '@prometheus/protocol';
import { resolveColumns, type FieldError, type Hyperparameters, type TrainingTable, type Architecture } from '@prometheus/ml/core';
import { AppError } from '../../errors.js';
import type { TrainingData } from '../datasets/datasets-service.js';

// From the datasets service's arrays to the ML package's table, and the column checks that can be
// made before a run is queued (label column present, named features exist).

/** Without a time column rows keep file order and are taken as one minute apart (documented in the README). */
const ASSUMED_INTERVAL_MS = 60_000;

export function toTrainingTable(data: TrainingData): TrainingTable {
  if (data.timestampColumn === null) {
    return { columns: data.columns, timestamps: Float64Array.from({ length: data.rowCount }, (_, i) => i * ASSUMED_INTERVAL_MS), values: data.values };
  }
  // Rows whose time does not parse sort last (NULLS LAST) and cannot be placed in time: leave them out.
  let rows = data.timestamps.length;
  while (rows > 0 && !Number.isFinite(data.timestamps[rows - 1] as number)) rows -= 1;
  return {
    columns: data.columns,
    timestamps: data.timestamps.subarray(0, rows),
    values: data.values.map((v) => v.subarray(0, rows)),
  };
}

/** The dataset's numeric columns as training will see them (the time column is never among them). */
export function numericColumns(ds: DatasetDetail): string[] {
  return ds.columns.filter((c) => c !== ds.timestamp_column && ds.column_stats[c] !== undefined);
}

/** A 400 naming the first field, every problem in details. */
export function fieldError(errors: FieldError[]): AppError {
  const first = errors[0] as FieldError;
  return new AppError('VALIDATION_ERROR', `Invalid request body: '${first.field}' ${first.message}`, {
    details: errors.map((e) => `'${e.field}' ${e.message}`).join('; '),
  });
}

/** Label and feature columns against the dataset's columns, before anything is queued. */
export function checkColumns(ds: DatasetDetail, architecture: Architecture, hp: Hyperparameters): void {
  const resolved = resolveColumns({ columns: numericColumns(ds), timestamps: [], values: [] }, architecture, hp);
  if (!resolved.ok) throw fieldError(resolved.errors);
}
