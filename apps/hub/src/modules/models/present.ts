import type { ModelDetail, ModelMetrics, ModelQuantization, ModelSummary } from '@prometheus/protocol';
import type { TrainingResult } from '@prometheus/ml';
import { isoTime } from '../../ids.js';
import { modelFile } from './files.js';
import type { ModelRow } from './repo.js';

// Rows -> the contract's shapes, and a training result -> the row's metric and quantization figures.

export function metricsOf(result: TrainingResult): ModelMetrics {
  const m = result.metrics;
  return {
    val_loss: result.best_val_loss, reconstruction_error_threshold: m.reconstruction_error_threshold,
    accuracy: m.accuracy, precision: m.precision, recall: m.recall, f1: m.f1, auc_roc: m.auc_roc,
  };
}

export function quantizationOf(result: TrainingResult): ModelQuantization {
  const q = result.quantization;
  const float = result.metrics.accuracy;
  const int8 = q.metrics_int8.accuracy;
  return {
    scheme: q.scheme, float_parameter_bytes: q.float_parameter_bytes, int8_parameter_bytes: q.int8_parameter_bytes,
    max_abs_score_delta: q.max_abs_score_delta, mean_abs_score_delta: q.mean_abs_score_delta,
    f1_delta: q.f1_delta, auc_roc_delta: q.auc_roc_delta, accuracy_delta: float !== null && int8 !== null ? int8 - float : null,
  };
}

export function toModelSummary(row: ModelRow): ModelSummary {
  return {
    id: row.id, name: row.name, architecture: row.architecture, equipment_type: row.equipmentType as ModelSummary['equipment_type'],
    parameters: row.parameters, metrics: row.metrics, file_size_bytes: row.files.axonml,
    quantized: row.files.onnx_int8 > 0, status: row.status, created_at: isoTime(row.createdAt),
  };
}

export function toModelDetail(row: ModelRow, root: string): ModelDetail {
  const meta = row.metadata;
  const hp = meta.hyperparameters;
  const { metadata: _metadataBytes, ...files } = row.files;
  return {
    ...toModelSummary(row),
    dataset_id: row.datasetId, input_features: meta.feature_columns.length, hidden_dim: hp.hidden_dim, bottleneck_dim: hp.bottleneck_dim,
    num_layers: hp.num_layers, sequence_length: meta.sequence_length, training_run_id: row.trainingRunId,
    file_path: modelFile(root, row.id, 'axonml'), quantized_size_bytes: row.files.onnx_int8,
    hyperparameters: hp, feature_columns: meta.feature_columns, label_column: meta.label_column, threshold: meta.threshold,
    threshold_kind: meta.threshold_kind, sampling_interval_seconds: meta.sampling_interval_seconds,
    quantization: row.quantization, files, evaluation_id: row.evaluationId,
  };
}

/** A download's file name: the model's name as a slug, its id, `-int8` for the quantized file. */
export function downloadName(row: ModelRow, format: 'axonml' | 'onnx', quantized: boolean): string {
  const slug = row.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'model';
  return `${slug}-${row.id}${quantized ? '-int8' : ''}.${format}`;
}
