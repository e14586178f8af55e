import type { FieldError } from '../hyperparameters.js';
import type { EpochProgress } from './loop.js';
import type { TrainingResult } from './result.js';

export type WorkerMessage =
  | { type: 'epoch'; progress: EpochProgress }
  | { type: 'log'; message: string }
  | { type: 'result'; result: TrainingResult }
  | { type: 'error'; message: string; stack: string | null; fieldErrors: FieldError[] | null };
