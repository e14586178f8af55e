import type { WindowSet } from '../data/prepare.js';
import { buildWindowSet, horizonRows } from '../data/prepare.js';
import { fillMissing } from '../data/missing.js';
import type { TrainingTable } from '../data/table.js';
import { resolveColumns } from '../data/table.js';
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

/**
 * Scores new data with a trained model (tfjs, in this thread): the model's own feature columns,
 * normalization and missing-value rule (forward-fill, then the training mean).
 */
export async function scoreTable(model: { metadata: ModelMetadata; weights: Float32Array }, table: TrainingTable, stride = 1): Promise<TableScores> {
  const m = model.metadata;
  const hp = { ...m.hyperparameters, feature_columns: m.feature_columns, label_column: m.label_column };
  const resolved = resolveColumns(table, m.architecture, hp);
  if (!resolved.ok) throw new Error(resolved.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  const { featureIndex, labelIndex } = resolved.value;
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
  const spec = modelSpec(m.architecture, m.feature_columns.length, m.hyperparameters);
  const tfModel = buildModel(spec);
  try {
    importTorchWeights(tfModel, spec, model.weights);
    return { ...scoreWindows(tfModel, spec, windows), ends: windows.ends, labels: metricLabels(spec, windows), windows };
  } finally {
    tfModel.dispose();
  }
}
