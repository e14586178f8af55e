import { z } from 'zod';
import { displayName, IsoTime } from './common.js';
import { Architecture } from './profile.js';

// Training (docs/api.md "Training"): runs, the queue, stop, and the WebSocket progress messages.
// Ranges (epochs >= 1, dropout < 0.95, ...) are checked by the ML package, which names the field too.

/** Hyperparameters a client may send: every key optional (the original platform's defaults fill the rest). */
export const TrainingHyperparametersInput = z.object({
  learning_rate: z.number(),
  epochs: z.number().int(),
  batch_size: z.number().int(),
  sequence_length: z.number().int(),
  hidden_dim: z.number().int(),
  bottleneck_dim: z.number().int(),
  num_layers: z.number().int(),
  dropout: z.number(),
  weight_decay: z.number(),
  early_stopping_patience: z.number().int(),
  optimizer: z.enum(['adam', 'adamw', 'sgd']),
  loss: z.enum(['mse', 'bce']),
  /** Additions: windows start every `stride` rows; seed; share of the time range held out; threshold percentile. */
  stride: z.number().int(),
  seed: z.number().int(),
  validation_split: z.number(),
  threshold_percentile: z.number(),
  /** Addition: the reported score is the mean of the raw window scores of the last this many minutes (0 = raw). */
  persistence_minutes: z.number(),
  /** Addition (lstm_autoencoder): reconstruct from a frozen PCA stage plus the LSTM's penalised correction. */
  linear_stage: z.boolean(),
  /** Addition: weight of the mean squared correction in the loss (with linear_stage). */
  correction_penalty: z.number(),
  val_check_interval: z.number().int(),
  /** The 0/1 fault column; found by name (fault, label, alarm, "Fault Detection Ground Truth") when not given. */
  label_column: z.string().min(1).nullable(),
  /** Feature columns; default: every numeric column but the label (the timestamp is never a feature). */
  feature_columns: z.array(z.string().min(1)).min(1).nullable(),
}).partial().strict();
export type TrainingHyperparametersInput = z.infer<typeof TrainingHyperparametersInput>;

/** The complete configuration a run trains with (defaults filled in). */
export const TrainingHyperparameters = TrainingHyperparametersInput.required().extend({
  // Absent in runs stored before it existed (they scored raw windows).
  persistence_minutes: z.number().optional(),
  // Absent in runs stored before the linear stage existed (plain autoencoders).
  linear_stage: z.boolean().optional(),
  correction_penalty: z.number().optional(),
});
export type TrainingHyperparameters = z.infer<typeof TrainingHyperparameters>;

export const TrainingStartRequest = z.object({
  dataset_id: z.string().min(1).max(128),
  architecture: Architecture,
  hyperparameters: TrainingHyperparametersInput.optional(),
  /** Addition: the name the trained model gets (default: the dataset's name and the architecture). */
  name: displayName(200).optional(),
}).strict();
export type TrainingStartRequest = z.infer<typeof TrainingStartRequest>;

export const TrainingStatus = z.enum(['queued', 'running', 'completed', 'failed', 'stopped']);
export type TrainingStatus = z.infer<typeof TrainingStatus>;

/** 201 of POST /training/start: `running`, or `queued` when the hub is at capacity. */
export const TrainingStartResponse = z.object({
  id: z.string(),
  status: TrainingStatus,
  dataset_id: z.string(),
  architecture: Architecture,
  /** When the run started, or (queued) when it was accepted. */
  started_at: IsoTime,
});
export type TrainingStartResponse = z.infer<typeof TrainingStartResponse>;

export const TrainingRunSummary = z.object({
  id: z.string(),
  dataset_id: z.string(),
  model_id: z.string().nullable(),
  architecture: Architecture,
  status: TrainingStatus,
  current_epoch: z.number().int(),
  total_epochs: z.number().int(),
  best_val_loss: z.number().nullable(),
  training_time_seconds: z.number(),
  started_at: IsoTime,
  completed_at: IsoTime.nullable(),
});
export type TrainingRunSummary = z.infer<typeof TrainingRunSummary>;

export const TrainingRunDetail = TrainingRunSummary.extend({
  hyperparameters: TrainingHyperparameters,
  current_train_loss: z.number().nullable(),
  current_val_loss: z.number().nullable(),
  estimated_remaining_seconds: z.number().nullable(),
  /** Additions. */
  name: z.string(),
  learning_rate: z.number(),
  /** completed | early_stopped | stopped; null until the run ends (or when it failed). */
  stop_reason: z.enum(['completed', 'early_stopped', 'stopped']).nullable(),
  /** Why a run failed (or was stopped by a hub shutdown). */
  error: z.string().nullable(),
  /** Position in the queue (1 = next) while queued. */
  queue_position: z.number().int().nullable(),
  evaluation_id: z.string().nullable(),
  created_at: IsoTime,
});
export type TrainingRunDetail = z.infer<typeof TrainingRunDetail>;

export const TrainingQueueResponse = z.object({
  active_trainings: z.number().int(),
  max_concurrent: z.number().int(),
  queued: z.number().int(),
  capacity_available: z.number().int(),
});
export type TrainingQueueResponse = z.infer<typeof TrainingQueueResponse>;

export const TrainingStopResponse = z.object({
  id: z.string(),
  status: TrainingStatus,
  current_epoch: z.number().int(),
  total_epochs: z.number().int(),
  /** Addition: the model kept from the best epoch (null when the run had not finished an epoch). */
  model_id: z.string().nullable(),
});
export type TrainingStopResponse = z.infer<typeof TrainingStopResponse>;

/** WebSocket /ws/training/:id, one per epoch. */
export const TrainingEpochUpdate = z.object({
  type: z.literal('epoch_update'),
  current_epoch: z.number().int(),
  total_epochs: z.number().int(),
  train_loss: z.number(),
  /** Null on an epoch without validation (val_check_interval > 1). */
  val_loss: z.number().nullable(),
  best_val_loss: z.number().nullable(),
  learning_rate: z.number(),
  elapsed_seconds: z.number(),
  estimated_remaining_seconds: z.number(),
});
export type TrainingEpochUpdate = z.infer<typeof TrainingEpochUpdate>;

/** WebSocket /ws/training/:id, last message (at once for a run that already ended). */
export const TrainingComplete = z.object({
  type: z.literal('training_complete'),
  status: TrainingStatus,
  current_epoch: z.number().int(),
  total_epochs: z.number().int(),
  best_val_loss: z.number().nullable(),
  final_metrics: z.array(z.object({ train_loss: z.number(), val_loss: z.number().nullable() })),
  /** Additions. */
  model_id: z.string().nullable(),
  error: z.string().nullable(),
});
export type TrainingComplete = z.infer<typeof TrainingComplete>;
