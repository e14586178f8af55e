import type { WindowSet } from '../data/prepare.js';
import { buildWindowSet, horizonRows } from '../data/prepare.js';
import { fillMissing } from '../data/missing.js';
import type { TrainingTable } from '../data/table.js';
import { findColumn } from '../data/table.js';
import { normalizeRows, windowStarts } from '../data/windows.js';
import { initBackend } from '../tf/backend.js';
import { buildModel } from './build.js';
import type { ModelMetadata } from './metadata.js';
import type { WindowScores } from './scoring.js';
import { metricLabels, scoreWindows } from './scoring.js';
import { modelSpec } from './spec.js';
import { importTorchWeights } from './torch-weights.js';

export interface TableScores extends WindowScores {
  /** Epoch ms of each window's last row. */
  ends: Float64Array;
  /** Labels the metrics compare against (window label, or first-horizon target); null without a label column. */
  labels: Uint8Array | null;
  windows: WindowSet;
}

export interface ScoreOptions {
  /** Windows start every `stride` rows (default 1). */
  stride?: number;
  /** Column of 0/1 labels to measure against; default: the model's label column when the table has it. null = no labels. */
  labelColumn?: string | null;
}

/**
 * Scores new data with a trained model (tfjs, in this thread): the model's own feature columns,
 * normalization and missing-value rule (forward-fill, then the training mean). Labels are optional
 * for every architecture: without them `labels` is null and nothing is measured.
 */
export async function scoreTable(model: { metadata: ModelMetadata; weights: Float32Array }, table: TrainingTable, options: ScoreOptions | number = {}): Promise<TableScores> {
  const m = model.metadata;
  const { stride = 1, labelColumn } = typeof options === 'number' ? { stride: options } : options;
  const featureIndex = m.feature_columns.map((f) => findColumn(table.columns, f));
  const absent = m.feature_columns.filter((_, i) => featureIndex[i] === -1);
  if (absent.length > 0) throw new Error(`the table lacks the model's feature columns: ${absent.join(', ')}`);
  const wanted = labelColumn === undefined ? m.label_column : labelColumn;
  const labelIndex = wanted === null ? -1 : findColumn(table.columns, wanted);
  if (labelColumn && labelIndex === -1) throw new Error(`label column "${labelColumn}" is not in the table`);
  const { filled } = fillMissing(m.feature_columns, featureIndex.map((i) => table.values[i] as Float64Array), m.norm_means);
  const labels = labelIndex >= 0 ? Float64Array.from(table.values[labelIndex] as Float64Array, (v) => (Number.isFinite(v) ? v : 0)) : null;
  let faults: Int32Array | null = null;
  if (labels) {
    faults = new Int32Array(labels.length + 1);
    labels.forEach((v, i) => (faults![i + 1] = (faults![i] as number) + (v > 0 ? 1 : 0)));
  }
  const horizons = horizonRows(m.sampling_interval_seconds);
  const rows = { matrix: normalizeRows(filled, m.norm_means, m.norm_stds), features: m.feature_columns.length, labels, faults, timestamps: table.timestamps };
  const lookahead = m.architecture === 'gru_predictor' && labels ? Math.max(...horizons) : 0;
  const starts = windowStarts(0, table.timestamps.length, m.sequence_length, stride, lookahead);
  const windows = buildWindowSet(rows, starts, m.sequence_length, m.architecture, horizons);
  await initBackend();
  const spec = modelSpec(m.architecture, m.feature_columns.length, m.hyperparameters, m.linear_stage ?? null);
  const tfModel = buildModel(spec);
  try {
    importTorchWeights(tfModel, spec, model.weights);
    return { ...scoreWindows(tfModel, spec, windows), ends: windows.ends, labels: metricLabels(spec, windows), windows };
  } finally {
    tfModel.dispose();
  }
}
