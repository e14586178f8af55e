import type { Architecture, FieldError, Hyperparameters } from '../hyperparameters.js';
import { validateHyperparameters } from '../hyperparameters.js';
import type { TrainingJob } from './result.js';

/** Checks a job without training: hyperparameters, the loss/architecture pairing, columns, windows. */
export function validateTrainingJob(job: TrainingJob): { ok: true; architecture: Architecture; hyperparameters: Hyperparameters } | { ok: false; errors: FieldError[] } {
  const v = validateHyperparameters(job.architecture, job.hyperparameters ?? {});
  if (!v.ok) return v;
  const { architecture, hyperparameters } = v.value;
  if (architecture === 'lstm_autoencoder' && hyperparameters.loss === 'bce') {
    return { ok: false, errors: [{ field: 'hyperparameters.loss', message: 'lstm_autoencoder reconstructs real values: use mse' }] };
  }
  return { ok: true, architecture, hyperparameters };
}
