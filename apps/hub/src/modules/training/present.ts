import type {
  TrainingComplete, TrainingRunDetail, TrainingRunSummary, TrainingStartResponse,
} from '@prometheus/protocol';
import { isoTime } from '../../ids.js';
import type { EpochRow, RunRow } from './repo.js';

// Rows -> the contract's shapes. Times: `started_at` is when the run started (when it was accepted while
// it waits in the queue); `training_time_seconds` is wall-clock from start to end (or now, while running).
export const finite = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Why start-up failed a run a previous process left running. */
export const RESTART_REASON = 'hub restarted during training';

function wallSeconds(row: RunRow, now: Date): number {
  if (!row.startedAt) return 0;
  // That process died at an unknown moment: its last reported training time, not the downtime after it.
  if (row.status === 'failed' && row.error === RESTART_REASON) return round1(row.trainingSeconds);
  const end = row.completedAt ?? (row.status === 'running' ? now : row.startedAt);
  return round1(Math.max(0, end.getTime() - row.startedAt.getTime()) / 1000);
}

export function toStartResponse(row: RunRow): TrainingStartResponse {
  return { id: row.id, status: row.status, dataset_id: row.datasetId, architecture: row.architecture, started_at: isoTime(row.startedAt ?? row.createdAt) };
}

export function toRunSummary(row: RunRow, now: Date): TrainingRunSummary {
  return {
    id: row.id, dataset_id: row.datasetId, model_id: row.modelId, architecture: row.architecture, status: row.status,
    current_epoch: row.currentEpoch, total_epochs: row.totalEpochs, best_val_loss: finite(row.bestValLoss),
    training_time_seconds: wallSeconds(row, now), started_at: isoTime(row.startedAt ?? row.createdAt),
    completed_at: row.completedAt ? isoTime(row.completedAt) : null,
  };
}

export function toRunDetail(row: RunRow, now: Date, queuePosition: number | null): TrainingRunDetail {
  return {
    ...toRunSummary(row, now),
    hyperparameters: row.hyperparameters,
    current_train_loss: finite(row.currentTrainLoss), current_val_loss: finite(row.currentValLoss),
    estimated_remaining_seconds: row.status === 'running' ? finite(row.estimatedRemainingSeconds) : row.status === 'queued' ? null : 0,
    name: row.name, learning_rate: row.learningRate, stop_reason: row.stopReason, error: row.error,
    queue_position: queuePosition, evaluation_id: row.evaluationId, created_at: isoTime(row.createdAt),
  };
}

export function toCompleteMessage(row: RunRow, epochs: EpochRow[]): TrainingComplete {
  return {
    type: 'training_complete', status: row.status, current_epoch: row.currentEpoch, total_epochs: row.totalEpochs,
    best_val_loss: finite(row.bestValLoss),
    final_metrics: epochs.map((e) => ({ train_loss: e.trainLoss, val_loss: finite(e.valLoss) })),
    model_id: row.modelId, error: row.error,
  };
}

export function curvesOf(epochs: EpochRow[]): { epochs: number[]; train_loss: number[]; val_loss: (number | null)[] } {
  return { epochs: epochs.map((e) => e.epoch), train_loss: epochs.map((e) => e.trainLoss), val_loss: epochs.map((e) => finite(e.valLoss)) };
}
