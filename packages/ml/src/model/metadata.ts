import type { Architecture, Hyperparameters } from '../hyperparameters.js';
import type { TrainingDistribution } from './distribution.js';
import type { OperatingEnvelope } from './envelope.js';
import type { LinearStage } from './linear-stage.js';

/** What the edge needs to run an exported model: inputs, normalization, threshold, meaning of outputs. */
export interface ModelMetadata {
  format: 'prometheus-model/1';
  architecture: Architecture;
  feature_columns: string[];
  label_column: string | null;
  norm_means: number[];
  norm_stds: number[];
  sequence_length: number;
  sampling_interval_seconds: number;
  /** Autoencoder: reconstruction-error threshold; supervised: probability threshold. */
  threshold: number;
  threshold_kind: 'reconstruction_error' | 'probability';
  /** ONNX graph input and outputs (see artifacts/onnx-export.ts). */
  input_name: 'window';
  output_names: string[];
  horizons_minutes: number[] | null;
  num_parameters: number;
  hyperparameters: Hyperparameters;
  /**
   * How raw window scores become the reported score (see persistence.ts); `threshold` applies to the
   * reported score. Absent in models trained before it existed: raw scores.
   */
  scoring?: ModelScoring;
  /** The operating conditions of the training rows (envelope.ts); null/absent: none known, nothing is out of range. */
  envelope?: OperatingEnvelope | null;
  /**
   * Autoencoder: the frozen linear (PCA) stage its reconstruction starts from (linear-stage.ts); the ONNX graph
   * carries it as constant MatMul/Sub/Add ops. Null/absent: a plain LSTM autoencoder (models trained before it).
   */
  linear_stage?: LinearStage | null;
  /** Histograms of the training rows and scores (distribution.ts) for drift; absent in models trained before it: no drift. */
  distribution?: TrainingDistribution | null;
}

export interface ModelScoring {
  /** Trailing mean of window scores over this many minutes of window ends; 0 = raw scores. */
  persistence_minutes: number;
}

export function outputNames(architecture: Architecture): string[] {
  if (architecture === 'lstm_autoencoder') return ['reconstruction', 'score'];
  return architecture === 'gru_predictor' ? ['probabilities'] : ['probability'];
}
