// Training configuration: the API contract's snake_case names, the original platform's defaults,
// and a validation that names the offending field (the hub maps it to a 400 naming that field).

export const ARCHITECTURES = ['lstm_autoencoder', 'gru_predictor', 'sentinel'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];
export type OptimizerName = 'adam' | 'adamw' | 'sgd';
export type LossName = 'mse' | 'bce';

export interface Hyperparameters {
  learning_rate: number;
  epochs: number;
  batch_size: number;
  sequence_length: number;
  hidden_dim: number;
  bottleneck_dim: number;
  num_layers: number;
  dropout: number;
  weight_decay: number;
  early_stopping_patience: number;
  optimizer: OptimizerName;
  loss: LossName;
  /** Windows start every `stride` rows (1 = every row). */
  stride: number;
  seed: number;
  /** Fraction of the time range (latest part) held out for validation. */
  validation_split: number;
  /** Percentile of normal validation errors used as the anomaly threshold (autoencoder). */
  threshold_percentile: number;
  /**
   * The reported score is the mean of the raw window scores of the last this many minutes (model/persistence.ts),
   * at the hub and at the edge alike; 0 = raw. Autoencoder default 60 (as the PCA baseline it is measured against).
   */
  persistence_minutes: number;
  /**
   * Autoencoder: reconstruct from a frozen PCA stage fitted on the training rows (95% of the variance, as the
   * baseline) plus the LSTM's correction of what PCA leaves (model/linear-stage.ts). Other architectures: false.
   */
  linear_stage: boolean;
  /** Weight of the mean squared correction in the autoencoder's loss (with linear_stage); 0 = unpenalised. */
  correction_penalty: number;
  /** Kept for .axonml compatibility: validation runs every N epochs. */
  val_check_interval: number;
  label_column: string | null;
  feature_columns: string[] | null;
}

export const DEFAULT_HYPERPARAMETERS: Readonly<Omit<Hyperparameters, 'optimizer' | 'loss'>> = {
  learning_rate: 0.001, epochs: 100, batch_size: 32, sequence_length: 60, hidden_dim: 64, bottleneck_dim: 32,
  num_layers: 2, dropout: 0.1, weight_decay: 0.01, early_stopping_patience: 10, stride: 1, seed: 42,
  validation_split: 0.2, threshold_percentile: 99, persistence_minutes: 0, linear_stage: false, correction_penalty: 0, val_check_interval: 1, label_column: null, feature_columns: null,
};

/**
 * The original's pairing: autoencoder MSE+Adam, predictor BCE+AdamW, sentinel BCE+Adam. The autoencoder's
 * weight decay defaults to 0: Adam's L2 (PyTorch semantics) at the original 0.01 holds the 2-layer
 * autoencoder on the predict-the-mean plateau (training loss stays at the z-scored data's variance, ~0.9, and
 * every window's score becomes its distance from the training mean); at 0 it leaves the plateau in a few
 * epochs. The API contract names no weight_decay default, so this architecture's may differ.
 */
export const ARCHITECTURE_DEFAULTS: Readonly<Record<Architecture, { optimizer: OptimizerName; loss: LossName; weight_decay?: number; persistence_minutes?: number; linear_stage?: boolean; correction_penalty?: number }>> = {
  lstm_autoencoder: { optimizer: 'adam', loss: 'mse', weight_decay: 0, persistence_minutes: 60, linear_stage: true, correction_penalty: 1 },
  gru_predictor: { optimizer: 'adamw', loss: 'bce' },
  sentinel: { optimizer: 'adam', loss: 'bce' },
};

export interface FieldError {
  field: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

type NumberRule = { min: number; max: number; integer: boolean; minExclusive?: boolean };
const NUMBER_RULES: Record<string, NumberRule> = {
  learning_rate: { min: 0, max: 10, integer: false, minExclusive: true },
  epochs: { min: 1, max: 10_000, integer: true },
  batch_size: { min: 1, max: 65_536, integer: true },
  sequence_length: { min: 1, max: 10_000, integer: true },
  hidden_dim: { min: 1, max: 4096, integer: true },
  bottleneck_dim: { min: 1, max: 4096, integer: true },
  num_layers: { min: 1, max: 16, integer: true },
  dropout: { min: 0, max: 0.95, integer: false },
  weight_decay: { min: 0, max: 10, integer: false },
  early_stopping_patience: { min: 0, max: 10_000, integer: true },
  stride: { min: 1, max: 100_000, integer: true },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
  validation_split: { min: 0.01, max: 0.9, integer: false },
  threshold_percentile: { min: 50, max: 100, integer: false },
  persistence_minutes: { min: 0, max: 10_080, integer: false },
  correction_penalty: { min: 0, max: 1000, integer: false },
  val_check_interval: { min: 1, max: 10_000, integer: true },
};

function checkNumber(value: unknown, rule: NumberRule): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a finite number';
  if (rule.integer && !Number.isInteger(value)) return 'must be an integer';
  if (rule.minExclusive ? value <= rule.min : value < rule.min) return `must be ${rule.minExclusive ? '>' : '>='} ${rule.min}`;
  if (value > rule.max) return `must be <= ${rule.max}`;
  return null;
}

function checkChoice(value: unknown, choices: readonly string[]): string | null {
  return typeof value === 'string' && choices.includes(value) ? null : `must be one of ${choices.join(', ')}`;
}

function checkColumns(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value) || value.length === 0 || !value.every((c) => typeof c === 'string' && c.length > 0)) {
    return 'must be a non-empty array of column names';
  }
  return new Set(value).size === value.length ? null : 'must not repeat a column';
}

/**
 * Validates an architecture and a partial hyperparameter object (unknown keys are rejected so a typo
 * is not silently ignored) and returns the complete configuration with defaults filled in.
 */
export function validateHyperparameters(architecture: unknown, input: unknown): Validation<{ architecture: Architecture; hyperparameters: Hyperparameters }> {
  const errors: FieldError[] = [];
  const archError = checkChoice(architecture, ARCHITECTURES);
  if (archError) errors.push({ field: 'architecture', message: archError });
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    return { ok: false, errors: [...errors, { field: 'hyperparameters', message: 'must be an object' }] };
  }
  const given = (input ?? {}) as Record<string, unknown>;
  const arch = (archError ? 'lstm_autoencoder' : architecture) as Architecture;
  const merged: Record<string, unknown> = { ...DEFAULT_HYPERPARAMETERS, ...ARCHITECTURE_DEFAULTS[arch] };
  const known = new Set(Object.keys(merged));
  for (const [key, value] of Object.entries(given)) {
    if (!known.has(key)) errors.push({ field: `hyperparameters.${key}`, message: 'unknown hyperparameter' });
    else if (value !== undefined) merged[key] = value;
  }
  for (const [key, rule] of Object.entries(NUMBER_RULES)) {
    const problem = checkNumber(merged[key], rule);
    if (problem) errors.push({ field: `hyperparameters.${key}`, message: problem });
  }
  const choices: [string, readonly string[]][] = [['optimizer', ['adam', 'adamw', 'sgd']], ['loss', ['mse', 'bce']]];
  for (const [key, allowed] of choices) {
    const problem = checkChoice(merged[key], allowed);
    if (problem) errors.push({ field: `hyperparameters.${key}`, message: problem });
  }
  if (merged.label_column !== null && (typeof merged.label_column !== 'string' || merged.label_column === '')) {
    errors.push({ field: 'hyperparameters.label_column', message: 'must be a column name or null' });
  }
  if (typeof merged.linear_stage !== 'boolean') errors.push({ field: 'hyperparameters.linear_stage', message: 'must be true or false' });
  else if (merged.linear_stage && arch !== 'lstm_autoencoder') errors.push({ field: 'hyperparameters.linear_stage', message: 'only lstm_autoencoder has a linear stage' });
  const columnsProblem = checkColumns(merged.feature_columns);
  if (columnsProblem) errors.push({ field: 'hyperparameters.feature_columns', message: columnsProblem });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { architecture: arch, hyperparameters: merged as unknown as Hyperparameters } };
}

export function isSupervised(architecture: Architecture): boolean {
  return architecture !== 'lstm_autoencoder';
}
