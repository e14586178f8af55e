import { z } from 'zod';
import { EquipmentType, IsoTime } from './common.js';
import { Architecture } from './profile.js';
import { TrainingHyperparameters } from './training.js';

// Models (docs/api.md "Models"): trained models, their files, comparison.

/** Figures measured on the training run's validation windows; label-based ones are null without labels. */
export const ModelMetrics = z.object({
  val_loss: z.number(),
  /** Autoencoder only: the anomaly threshold (a high percentile of normal validation errors). */
  reconstruction_error_threshold: z.number().nullable(),
  accuracy: z.number().nullable(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  f1: z.number().nullable(),
  auc_roc: z.number().nullable(),
});
export type ModelMetrics = z.infer<typeof ModelMetrics>;

export const ModelStatus = z.enum(['ready']);

export const ModelSummary = z.object({
  id: z.string(),
  name: z.string(),
  architecture: Architecture,
  equipment_type: EquipmentType,
  /** Real count of trained weights. */
  parameters: z.number().int(),
  metrics: ModelMetrics,
  /** Size of the float `.axonml` file (the default download). */
  file_size_bytes: z.number().int(),
  /** An int8 version exists (always, for models trained here). */
  quantized: z.boolean(),
  status: ModelStatus,
  created_at: IsoTime,
});
export type ModelSummary = z.infer<typeof ModelSummary>;

/** What int8 weight quantization costs, measured on the validation windows. */
export const ModelQuantization = z.object({
  scheme: z.string(),
  float_parameter_bytes: z.number().int(),
  int8_parameter_bytes: z.number().int(),
  max_abs_score_delta: z.number(),
  mean_abs_score_delta: z.number(),
  /** int8 minus float at the same threshold; null without labels. */
  f1_delta: z.number().nullable(),
  auc_roc_delta: z.number().nullable(),
  accuracy_delta: z.number().nullable(),
});
export type ModelQuantization = z.infer<typeof ModelQuantization>;

export const ModelFiles = z.object({
  axonml: z.number().int(),
  axonml_int8: z.number().int(),
  onnx: z.number().int(),
  onnx_int8: z.number().int(),
});

export const ModelDetail = ModelSummary.extend({
  dataset_id: z.string(),
  input_features: z.number().int(),
  hidden_dim: z.number().int(),
  bottleneck_dim: z.number().int(),
  num_layers: z.number().int(),
  sequence_length: z.number().int(),
  training_run_id: z.string(),
  file_path: z.string(),
  /** Size of the int8 ONNX file, the artifact an edge controller runs. */
  quantized_size_bytes: z.number().int(),
  /** Additions: what the edge needs to run the model, and the measured cost of int8. */
  hyperparameters: TrainingHyperparameters,
  feature_columns: z.array(z.string()),
  label_column: z.string().nullable(),
  threshold: z.number(),
  threshold_kind: z.enum(['reconstruction_error', 'probability']),
  sampling_interval_seconds: z.number(),
  quantization: ModelQuantization,
  /** Bytes of each downloadable file. */
  files: ModelFiles,
  evaluation_id: z.string().nullable(),
});
export type ModelDetail = z.infer<typeof ModelDetail>;

export const ModelDownloadQuery = z.object({
  format: z.enum(['axonml', 'onnx']).default('axonml'),
  quantized: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
});
export type ModelDownloadQuery = z.infer<typeof ModelDownloadQuery>;

export const ModelCompareRequest = z.object({ compare_with: z.string().min(1).max(128) }).strict();
export type ModelCompareRequest = z.infer<typeof ModelCompareRequest>;

const CompareMetrics = z.object({
  f1: z.number().nullable(),
  val_loss: z.number(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  auc_roc: z.number().nullable(),
});

export const ModelCompareResponse = z.object({
  models: z.array(z.object({ id: z.string(), name: z.string(), architecture: Architecture, metrics: CompareMetrics })),
  /** Higher F1 when both have one, else lower validation loss; null on a tie. */
  winner: z.string().nullable(),
  /** Winner minus the other (the first model minus the second on a tie); null where either lacks the figure. */
  advantage: z.object({ f1: z.number().nullable(), val_loss: z.number() }),
  /** Addition: which figure decided. */
  decided_by: z.enum(['f1', 'val_loss', 'tie']),
});
export type ModelCompareResponse = z.infer<typeof ModelCompareResponse>;
