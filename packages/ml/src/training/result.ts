import type { ConditionColumns } from '../model/envelope.js';
import type { MissingValueCount } from '../data/missing.js';
import type { TrainingTable } from '../data/table.js';
import type { Architecture, FieldError } from '../hyperparameters.js';
import type { ClassificationMetrics, RocCurve } from '../metrics/classification.js';
import type { ReliabilityBin } from '../metrics/reviewer.js';
import type { ModelMetadata } from '../model/metadata.js';
import type { StopReason } from './loop.js';

/** What the hub hands to training: plain data, cloneable into a worker. */
export interface TrainingJob {
  architecture: Architecture | string;
  /** Partial; defaults fill the rest (validateHyperparameters). */
  hyperparameters?: Record<string, unknown>;
  data: TrainingTable;
  /** Feature columns that are exogenous operating conditions: the model records their trained envelope. */
  conditions?: ConditionColumns | null;
}

export interface ModelMetrics extends ClassificationMetrics {
  val_loss: number;
  /** Autoencoder only. */
  reconstruction_error_threshold: number | null;
}

export interface QuantizationReport {
  scheme: 'int8 symmetric per-tensor (weight matrices; biases float32)';
  float_parameter_bytes: number;
  int8_parameter_bytes: number;
  onnx_float_bytes: number;
  onnx_int8_bytes: number;
  /** Scores of the int8-grid weights vs the float weights on the validation windows (tfjs). */
  max_abs_score_delta: number;
  mean_abs_score_delta: number;
  /** Metrics with int8 weights at the same threshold; deltas are int8 minus float (null without labels). */
  metrics_int8: ClassificationMetrics;
  f1_delta: number | null;
  auc_roc_delta: number | null;
}

export interface ReviewerFigures {
  folds: { fold: number; count: number; auc_roc: number | null; f1: number | null; mean_score: number }[];
  auc_std: number | null;
  f1_std: number | null;
  calibration: { brier: number | null; ece: number | null; bins: ReliabilityBin[] } | null;
  feature_error_share: { feature: string; share: number }[] | null;
  threshold_margin: { normal_median: number; margin_in_iqr: number | null; near_threshold_fraction: number };
  /** ROC curve of the validation windows (at most 101 points); null without both classes. */
  roc_curve: RocCurve | null;
}

export interface TrainedModel {
  metadata: ModelMetadata;
  num_parameters: number;
  /** Flat PyTorch-order float32 weights (best epoch). */
  weights: Float32Array;
  axonml: Uint8Array;
  axonml_int8: Uint8Array;
  onnx: Uint8Array;
  onnx_int8: Uint8Array;
}

export interface TrainingResult {
  status: StopReason;
  epochs_run: number;
  batches_run: number;
  best_epoch: number;
  best_val_loss: number;
  training_time_seconds: number;
  training_curves: { epochs: number[]; train_loss: number[]; val_loss: number[] };
  model: TrainedModel;
  metrics: ModelMetrics;
  reviewer: ReviewerFigures;
  quantization: QuantizationReport;
  missing_values: MissingValueCount[];
  data: { train_windows: number; validation_windows: number; split_timestamp: number; sampling_interval_seconds: number; backend: string };
}

/** Thrown (and sent from the worker) when the job itself is invalid: field-named, for a 400. */
export class TrainingInputError extends Error {
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(`invalid training job: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
    this.name = 'TrainingInputError';
    this.errors = errors;
  }
}
