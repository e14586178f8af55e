import type { Architecture, Hyperparameters } from '../hyperparameters.js';

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
}

export function outputNames(architecture: Architecture): string[] {
  if (architecture === 'lstm_autoencoder') return ['reconstruction', 'score'];
  return architecture === 'gru_predictor' ? ['probabilities'] : ['probability'];
}
