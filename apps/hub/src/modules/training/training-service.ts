import type {
  TrainingQueueResponse, TrainingRunDetail, TrainingRunSummary, TrainingStartRequest, TrainingStartResponse, TrainingStopResponse,
} from '@prometheus/protocol';
import { validateTrainingJob, type TrainingHandle } from '@prometheus/ml/core';
import { ownedOr404, visibleTo, type Actor } from '../../access.js';
import { AppError, badRequest } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Limits } from '../billing/limits.js';
import { createKeyedLock } from '../../keyed-lock.js';
import type { ModelsService } from '../models/models-service.js';
import { createLiveFeed } from './live.js';
import { RESTART_REASON, toCompleteMessage, toRunDetail, toRunSummary, toStartResponse } from './present.js';
import type { RunRow } from './repo.js';
import { executeRun, type RunDeps } from './run-job.js';
import { createScheduler } from './scheduler.js';
import { checkColumns, fieldError } from './table.js';

export interface TrainingServiceDeps extends Omit<RunDeps, 'live' | 'models'> {
  models: Pick<ModelsService, 'register' | 'setEvaluation' | 'countByOwner' | 'sweep'>;
  limits: Pick<Limits, 'assertCanAdd' | 'assertWithin'>;
  maxConcurrent: number;
  /** On hub stop, running workers get this long to stop and keep their best weights before they are killed. */
  shutdownGraceMs: number;
}

const ARCHITECTURE_NAMES = { lstm_autoencoder: 'LSTM autoencoder', gru_predictor: 'GRU fault predictor', sentinel: 'Sentinel health score' } as const;

export function createTrainingService(deps: TrainingServiceDeps) {
  const { repo, clock } = deps;
  const live = createLiveFeed();
  const runDeps: RunDeps = { ...deps, live };
  const handles = new Map<string, TrainingHandle>();
  const stopRequested = new Set<string>();
  const shutdownReasons = new Map<string, string>();
  const createLock = createKeyedLock();
  const scheduler = createScheduler({
    maxConcurrent: deps.maxConcurrent,
    execute: (runId, fromQueue) => executeRun(runDeps, runId, fromQueue, {
      onHandle(handle) {
        handles.set(runId, handle);
        if (stopRequested.has(runId)) handle.stop();
      },
      shutdownReason: () => shutdownReasons.get(runId) ?? null,
    }).finally(() => {
      handles.delete(runId);
      stopRequested.delete(runId);
    }),
    onError: (runId, err) => deps.log.error({ err, runId }, 'training run bookkeeping failed'),
  });

  // Start-up, before anything new is accepted: sweep half-written model files, fail the runs a previous
  // process left running (their workers died with it), and queue again what was waiting, in order.
  const ready = (async () => {
    await deps.models.sweep();
    const failed = await repo.failRunning(RESTART_REASON, clock.now());
    if (failed.length > 0) deps.log.warn({ runs: failed }, 'training runs failed by a restart');
    for (const run of await repo.withStatus('queued')) scheduler.enqueue(run.id);
  })();
  // Awaited by start() and the component's start, which report a failure; this only keeps it from being unhandled.
  ready.catch((err: unknown) => deps.log.error({ err }, 'training start-up recovery failed'));

  async function visible(id: string, actor: Actor): Promise<RunRow> {
    return ownedOr404(actor, await repo.findById(id), 'Training run', id);
  }

  async function start(actor: Actor, body: TrainingStartRequest): Promise<TrainingStartResponse> {
    await ready;
    const job = validateTrainingJob({ architecture: body.architecture, hyperparameters: body.hyperparameters ?? {}, data: { columns: [], timestamps: [], values: [] } });
    if (!job.ok) throw fieldError(job.errors);
    const dataset = await deps.datasets.get(body.dataset_id, actor);
    if (!dataset.is_validated) {
      throw badRequest('Dataset has not been validated', `Validate it first: POST /api/v1/datasets/${dataset.id}/validate`);
    }
    checkColumns(dataset, job.architecture, job.hyperparameters);
    // Check and insert under the owner's lock so two parallel starts cannot both pass at max - 1.
    return createLock(actor.id, async () => {
      await deps.limits.assertCanAdd(actor.id, 'max_concurrent_trainings');
      // Every run that finishes adds a model: count the ones still to come.
      await deps.limits.assertWithin(actor.id, 'max_models', (await deps.models.countByOwner(actor.id)) + (await repo.countActive(actor.id)));
      const hp = job.hyperparameters;
      const run = await repo.insert({
        id: newId('tr'), ownerId: actor.id, datasetId: dataset.id, name: body.name ?? `${dataset.name} -- ${ARCHITECTURE_NAMES[job.architecture]}`,
        architecture: job.architecture, hyperparameters: hp, status: 'queued',
        totalEpochs: hp.epochs, learningRate: hp.learning_rate, createdAt: clock.now(),
      });
      const started = scheduler.enqueue(run.id);
      if (!started) deps.events.emit('training.queued', { userId: actor.id, runId: run.id });
      // A run that got a slot is marked running by its execution a moment later; answer as it will be.
      return toStartResponse(started ? { ...run, status: 'running', startedAt: run.createdAt } : run);
    });
  }

  async function stop(id: string, actor: Actor): Promise<TrainingStopResponse> {
    const run = await visible(id, actor);
    if (run.status === 'queued' && scheduler.remove(id)) {
      const row = (await repo.update(id, { status: 'stopped', stopReason: 'stopped', completedAt: clock.now() })) as RunRow;
      live.publish(id, toCompleteMessage(row, []));
      deps.events.emit('training.finished', { userId: row.ownerId, runId: id, status: 'stopped' });
      return { id, status: row.status, current_epoch: row.currentEpoch, total_epochs: row.totalEpochs, model_id: null };
    }
    if (!scheduler.isActive(id)) throw new AppError('CONFLICT', `Training run is ${run.status}`, { details: 'Only a queued or running run can be stopped' });
    stopRequested.add(id);
    handles.get(id)?.stop();
    // The worker stops before its next batch, then keeps the best weights as a model: wait for that.
    await scheduler.whenDone(id);
    const row = (await repo.findById(id)) as RunRow;
    return { id, status: row.status, current_epoch: row.currentEpoch, total_epochs: row.totalEpochs, model_id: row.modelId };
  }

  /** Hub stop: running workers are asked to stop (best weights kept); those too slow are killed and failed. */
  async function shutdown(): Promise<void> {
    scheduler.close();
    const ids = scheduler.activeIds();
    for (const id of ids) {
      shutdownReasons.set(id, 'hub shut down during training');
      stopRequested.add(id);
      handles.get(id)?.stop();
    }
    const all = Promise.all(ids.map((id) => scheduler.whenDone(id)));
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), deps.shutdownGraceMs).unref());
    if ((await Promise.race([all, timer])) === 'timeout') {
      await Promise.all(ids.map((id) => handles.get(id)?.terminate()));
      await all;
    }
  }

  return {
    start, stop, live, ready,
    async list(actor: Actor): Promise<TrainingRunSummary[]> {
      const now = clock.now();
      return (await repo.list(visibleTo(actor))).map((r) => toRunSummary(r, now));
    },
    async get(id: string, actor: Actor): Promise<TrainingRunDetail> {
      return toRunDetail(await visible(id, actor), clock.now(), scheduler.position(id));
    },
    /** The run (404 for another user's) and, once it ended, the message a late WebSocket joiner gets. */
    async watch(id: string, actor: Actor) {
      const row = await visible(id, actor);
      const ended = row.status !== 'queued' && row.status !== 'running';
      return { row, complete: ended ? toCompleteMessage(row, await repo.epochs(id)) : null };
    },
    queue(): TrainingQueueResponse {
      const active = scheduler.activeCount();
      return { active_trainings: active, max_concurrent: scheduler.maxConcurrent, queued: scheduler.queuedCount(), capacity_available: Math.max(0, scheduler.maxConcurrent - active) };
    },
    countActive: (ownerId: string) => repo.countActive(ownerId),
    countRunning: () => repo.countRunning(),
    /** Datasets delete guard: a dataset a queued or running run will read stays. */
    async datasetInUse(datasetId: string): Promise<string | undefined> {
      const run = await repo.activeOnDataset(datasetId);
      return run ? `Training run ${run.id} (${run.status}) uses it` : undefined;
    },
    handOver: (fromUserId: string, toUserId: string) => repo.reassignOwner(fromUserId, toUserId),
    component: { name: 'training', start: async () => void (await ready), stop: shutdown },
  };
}

export type TrainingService = ReturnType<typeof createTrainingService>;
