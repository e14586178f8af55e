import { startTraining, TrainingInputError, type EpochProgress, type TrainingHandle, type TrainingResult, type TrainingTable } from '@prometheus/ml/core';
import { conditionColumns } from './conditions.js';
import type { Clock } from '../../clock.js';
import type { HubEventBus } from '../../events.js';
import type { Logger } from '../../logger.js';
import type { DatasetsService } from '../datasets/datasets-service.js';
import type { ModelsService } from '../models/models-service.js';
import type { LiveFeed } from './live.js';
import { finite, toCompleteMessage } from './present.js';
import type { RunRow, TrainingRepo } from './repo.js';
import { toTrainingTable } from './table.js';

// One run's life in a worker thread: load the validated dataset, train, persist every epoch as it arrives,
// then register the model (files + row) and its evaluation, or record why the run failed.
export interface TrainingEvaluations {
  /** `table`: the rows the run trained on (the evaluation fits its PCA baseline on them). */
  fromTraining(input: { ownerId: string; modelId: string; datasetId: string; result: TrainingResult; rows: number; table?: TrainingTable }): Promise<{ id: string }>;
}

export interface RunDeps {
  repo: TrainingRepo;
  datasets: Pick<DatasetsService, 'get' | 'loadForTraining'>;
  models: Pick<ModelsService, 'register' | 'setEvaluation'>;
  evaluations: TrainingEvaluations;
  events: HubEventBus;
  live: LiveFeed;
  clock: Clock;
  log: Logger;
}

export interface RunControl {
  /** The replica that claimed the run: its writes land only while it still holds the run. */
  workerId: string;
  /** Called once the worker exists, so a stop can reach it. */
  onHandle(handle: TrainingHandle): void;
  /** Set when the hub's shutdown stopped the run: recorded as the reason. */
  shutdownReason(): string | null;
}

function reasonOf(err: unknown): string {
  if (err instanceof TrainingInputError) return `Training input rejected: ${err.errors.map((e) => `'${e.field}' ${e.message}`).join('; ')}`;
  return err instanceof Error ? err.message : String(err);
}

async function loadTable(deps: RunDeps, run: RunRow) {
  // The scheduler reads on the run's behalf; the start request already checked the owner could see the dataset.
  const actor = { id: run.ownerId, role: 'admin' as const };
  const dataset = await deps.datasets.get(run.datasetId, actor);
  const data = await deps.datasets.loadForTraining(run.datasetId, actor);
  if (!data.isValidated) throw new Error('The dataset is no longer validated (unlocked after the run was queued)');
  return { dataset, table: toTrainingTable(data) };
}

function onEpoch(deps: RunDeps, run: RunRow, workerId: string, p: EpochProgress): void {
  void deps.repo.addEpoch({ runId: run.id, epoch: p.epoch, trainLoss: p.train_loss, valLoss: finite(p.val_loss), bestValLoss: finite(p.best_val_loss), elapsedSeconds: p.elapsed_seconds });
  void deps.repo.updateHeld(run.id, workerId, {
    currentEpoch: p.epoch, currentTrainLoss: p.train_loss, currentValLoss: finite(p.val_loss), bestValLoss: finite(p.best_val_loss),
    learningRate: p.learning_rate, trainingSeconds: p.elapsed_seconds, estimatedRemainingSeconds: p.estimated_remaining_seconds,
  });
  deps.live.publish(run.id, {
    type: 'epoch_update', current_epoch: p.epoch, total_epochs: p.total_epochs, train_loss: p.train_loss, val_loss: finite(p.val_loss),
    best_val_loss: finite(p.best_val_loss), learning_rate: p.learning_rate, elapsed_seconds: p.elapsed_seconds,
    estimated_remaining_seconds: p.estimated_remaining_seconds,
  });
  deps.events.emit('training.epoch', { userId: run.ownerId, runId: run.id, epoch: p.epoch, totalEpochs: p.total_epochs });
}

async function finish(deps: RunDeps, run: RunRow, result: TrainingResult, data: { equipmentType: string; table: TrainingTable }, control: RunControl): Promise<void> {
  // A run the leader requeued or failed as lapsed (this worker stalled past its lease) is not taken back by a late model.
  const held = await deps.repo.findById(run.id);
  if (held?.status !== 'running' || held.workerId !== control.workerId) return;
  const model = await deps.models.register({
    ownerId: run.ownerId, name: run.name, datasetId: run.datasetId, equipmentType: data.equipmentType, trainingRunId: run.id, result,
  });
  const evaluation = await deps.evaluations.fromTraining({
    ownerId: run.ownerId, modelId: model.id, datasetId: run.datasetId, result, rows: data.table.timestamps.length, table: data.table,
  });
  await deps.models.setEvaluation(model.id, evaluation.id);
  const status = result.status === 'stopped' ? 'stopped' : 'completed';
  const row = await deps.repo.updateHeld(run.id, control.workerId, {
    status, stopReason: result.status, modelId: model.id, evaluationId: evaluation.id, completedAt: deps.clock.now(),
    currentEpoch: result.epochs_run, bestValLoss: finite(result.best_val_loss), trainingSeconds: result.training_time_seconds,
    estimatedRemainingSeconds: 0, error: control.shutdownReason(),
  });
  if (!row) return;
  deps.live.publish(run.id, toCompleteMessage(row as RunRow, await deps.repo.epochs(run.id)));
  deps.events.emit('training.finished', { userId: run.ownerId, runId: run.id, status, modelId: model.id });
}

async function failRun(deps: RunDeps, run: RunRow, workerId: string, reason: string): Promise<void> {
  const row = await deps.repo.updateHeld(run.id, workerId, { status: 'failed', error: reason, completedAt: deps.clock.now(), estimatedRemainingSeconds: null });
  if (!row) return; // no longer this worker's run
  deps.live.publish(run.id, toCompleteMessage(row, await deps.repo.epochs(run.id)));
  deps.events.emit('training.finished', { userId: run.ownerId, runId: run.id, status: 'failed', reason });
}

/** Runs a run this worker claimed to its end; never throws (a failure is recorded on the run). */
export async function executeRun(deps: RunDeps, run: RunRow, fromQueue: boolean, control: RunControl): Promise<void> {
  const runId = run.id;
  deps.events.emit('training.started', { userId: run.ownerId, runId, fromQueue });
  try {
    const { dataset, table } = await loadTable(deps, run);
    const handle = startTraining(
      { architecture: run.architecture, hyperparameters: run.hyperparameters, data: table, conditions: conditionColumns(table.columns) },
      { onEpoch: (p) => onEpoch(deps, run, control.workerId, p), onLog: (message) => deps.log.info({ runId, message }, 'training worker') },
    );
    control.onHandle(handle);
    const result = await handle.result;
    await finish(deps, run, result, { equipmentType: dataset.equipment_type, table }, control);
  } catch (err) {
    deps.log.warn({ err, runId }, 'training run failed');
    await failRun(deps, run, control.workerId, control.shutdownReason() ?? reasonOf(err));
  }
}
