import type {
  TrainingQueueResponse, TrainingRunDetail, TrainingRunSummary, TrainingStartRequest, TrainingStartResponse, TrainingStopResponse,
} from '@prometheus/protocol';
import { validateTrainingJob, type TrainingHandle } from '@prometheus/ml/core';
import { ownedOr404, visibleTo, type Actor } from '../../access.js';
import { AppError, badRequest } from '../../errors.js';
import { newId } from '../../ids.js';
import type { Limits } from '../billing/limits.js';
import type { ModelsService } from '../models/models-service.js';
import { createLiveFeed } from './live.js';
import { RESTART_REASON, toCompleteMessage, toRunDetail, toRunSummary, toStartResponse } from './present.js';
import type { RunRow } from './repo.js';
import { executeRun, type RunDeps } from './run-job.js';
import { whileLeader, type Cluster } from '../../cluster/cluster.js';
import { createClaimLoop } from './claims.js';
import { sweepLapsedRuns } from './lapsed.js';
import { checkColumns, fieldError } from './table.js';

export interface TrainingServiceDeps extends Omit<RunDeps, 'live' | 'models'> {
  models: Pick<ModelsService, 'register' | 'setEvaluation' | 'countByOwner' | 'sweep'>;
  limits: Pick<Limits, 'assertCanAdd' | 'assertWithin'>;
  /** The replicas: this one's id, the bus for live updates and stops, the leader that sweeps lapsed runs. */
  cluster: Cluster;
  /** Runs this replica trains at once (0 on an api replica). */
  maxConcurrent: number;
  leaseMs: number;
  pollMs: number;
  /** On hub stop, running workers get this long to stop and keep their best weights before they are killed. */
  shutdownGraceMs: number;
}

const ARCHITECTURE_NAMES = { lstm_autoencoder: 'LSTM autoencoder', gru_predictor: 'GRU fault predictor', sentinel: 'Sentinel health score' } as const;

export function createTrainingService(deps: TrainingServiceDeps) {
  const { repo, clock, cluster } = deps;
  const workerId = cluster.replicaId;
  const live = createLiveFeed({ bus: cluster.bus, log: deps.log, loadComplete: async (id) => {
    const row = await repo.findById(id);
    return row && row.status !== 'queued' && row.status !== 'running' ? toCompleteMessage(row, await repo.epochs(id)) : null;
  } });
  const runDeps: RunDeps = { ...deps, live };
  const handles = new Map<string, TrainingHandle>();
  const stopRequested = new Set<string>();
  const shutdownReasons = new Map<string, string>();
  // Runs this replica's start request is claiming right now: they did not wait in the queue.
  const startingHere = new Set<string>();
  const slots = cluster.role === 'api' ? 0 : deps.maxConcurrent;
  const claims = createClaimLoop({
    slots, workerId, leaseMs: deps.leaseMs, pollMs: deps.pollMs, repo, clock, log: deps.log,
    execute: (run) => executeRun(runDeps, run, !startingHere.has(run.id), {
      workerId,
      onHandle(handle) {
        handles.set(run.id, handle);
        if (stopRequested.has(run.id)) handle.stop();
      },
      shutdownReason: () => shutdownReasons.get(run.id) ?? null,
    }).finally(() => {
      handles.delete(run.id);
      stopRequested.delete(run.id);
    }),
    onLeaseLost: (runId) => void handles.get(runId)?.terminate(),
  });
  cluster.setTrainingSlots(slots);
  cluster.bus.subscribe('training.queued', () => void claims.pump());
  // A stop asked on another replica reaches the worker that holds the run.
  cluster.bus.subscribe('training.stop', (m) => {
    const runId = (m as { runId: string }).runId;
    if (!claims.isActive(runId)) return;
    stopRequested.add(runId);
    handles.get(runId)?.stop();
  });

  // Leader: runs whose worker stopped renewing its lease are requeued once, then failed with the reason.
  const sweep = () => sweepLapsedRuns({ repo, live, bus: cluster.bus, events: deps.events, clock, log: deps.log });
  const lapsedTimer = whileLeader(cluster.leader, Math.max(100, Math.min(deps.pollMs, Math.floor(deps.leaseMs / 3))), sweep, deps.log, 'sweeping lapsed training runs');

  // Start-up, before anything new is accepted: sweep half-written model files; one process on SQLite fails the
  // runs it left running (their workers died with it). With replicas those belong to others: leases decide.
  const ready = (async () => {
    await deps.models.sweep();
    if (cluster.kind === 'single') {
      const failed = await repo.failRunning(RESTART_REASON, clock.now());
      if (failed.length > 0) deps.log.warn({ runs: failed }, 'training runs failed by a restart');
    }
    // What waits in the queue starts now if this replica trains (a hub not yet listening included).
    void claims.pump();
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
    // Check and insert under the owner's lock (on every replica) so two parallel starts cannot both pass at max - 1.
    return cluster.withLock(`training-start:${actor.id}`, async () => {
      await deps.limits.assertCanAdd(actor.id, 'max_concurrent_trainings');
      // Every run that finishes adds a model: count the ones still to come.
      await deps.limits.assertWithin(actor.id, 'max_models', (await deps.models.countByOwner(actor.id)) + (await repo.countActive(actor.id)));
      const hp = job.hyperparameters;
      const run = await repo.insert({
        id: newId('tr'), ownerId: actor.id, datasetId: dataset.id, name: body.name ?? `${dataset.name} -- ${ARCHITECTURE_NAMES[job.architecture]}`,
        architecture: job.architecture, hyperparameters: hp, status: 'queued',
        totalEpochs: hp.epochs, learningRate: hp.learning_rate, createdAt: clock.now(),
      });
      const free = await capacityAvailable();
      // This replica claims first when it trains; the others hear of the run and look too.
      startingHere.add(run.id);
      await claims.pump().finally(() => startingHere.delete(run.id));
      cluster.bus.publish('training.queued', { runId: run.id });
      const now = (await repo.findById(run.id)) ?? run;
      if (now.status === 'queued' && free === 0) deps.events.emit('training.queued', { userId: actor.id, runId: run.id });
      return toStartResponse(now);
    });
  }

  /** Slots of the workers heard from recently, and how many of them are free (runs in the store say how many train). */
  async function capacity(): Promise<{ max: number; running: number }> {
    const max = cluster.members().reduce((sum, m) => sum + m.trainingSlots, 0);
    return { max, running: await repo.countRunning() };
  }
  async function capacityAvailable(): Promise<number> {
    const { max, running } = await capacity();
    return Math.max(0, max - running);
  }

  /** Waits for a run held by another worker to end after a stop (or its lease to lapse if that worker is gone). */
  async function endOfRemote(id: string): Promise<RunRow> {
    const until = Date.now() + deps.leaseMs + deps.shutdownGraceMs + 60_000;
    for (;;) {
      const row = (await repo.findById(id)) as RunRow;
      if (row.status !== 'running' || Date.now() > until) return row;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function stop(id: string, actor: Actor): Promise<TrainingStopResponse> {
    const run = await visible(id, actor);
    const unqueued = run.status === 'queued' ? await repo.stopQueued(id, clock.now()) : undefined;
    if (unqueued) {
      const row = unqueued;
      live.publish(id, toCompleteMessage(row, []));
      deps.events.emit('training.finished', { userId: row.ownerId, runId: id, status: 'stopped' });
      return { id, status: row.status, current_epoch: row.currentEpoch, total_epochs: row.totalEpochs, model_id: null };
    }
    const current = run.status === 'queued' ? ((await repo.findById(id)) as RunRow) : run;
    if (current.status !== 'running') throw new AppError('CONFLICT', `Training run is ${current.status}`, { details: 'Only a queued or running run can be stopped' });
    // The worker stops before its next batch, then keeps the best weights as a model: wait for that.
    let row: RunRow;
    if (claims.isActive(id)) {
      stopRequested.add(id);
      handles.get(id)?.stop();
      await claims.whenDone(id);
      row = (await repo.findById(id)) as RunRow;
    } else {
      cluster.bus.publish('training.stop', { runId: id });
      row = await endOfRemote(id);
    }
    return { id, status: row.status, current_epoch: row.currentEpoch, total_epochs: row.totalEpochs, model_id: row.modelId };
  }

  /** Hub stop: running workers are asked to stop (best weights kept); those too slow are killed and failed. */
  async function shutdown(): Promise<void> {
    claims.close();
    lapsedTimer.stop();
    const ids = claims.activeIds();
    for (const id of ids) {
      shutdownReasons.set(id, 'hub shut down during training');
      stopRequested.add(id);
      handles.get(id)?.stop();
    }
    const all = Promise.all(ids.map((id) => claims.whenDone(id)));
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
      const row = await visible(id, actor);
      return toRunDetail(row, clock.now(), row.status === 'queued' ? await repo.queuePosition(row) : null);
    },
    /** The run (404 for another user's) and, once it ended, the message a late WebSocket joiner gets. */
    async watch(id: string, actor: Actor) {
      const row = await visible(id, actor);
      const ended = row.status !== 'queued' && row.status !== 'running';
      return { row, complete: ended ? toCompleteMessage(row, await repo.epochs(id)) : null };
    },
    /** The cluster's queue: runs training on any worker, the workers' slots together, runs waiting, free slots. */
    async queue(): Promise<TrainingQueueResponse> {
      const { max, running } = await capacity();
      return { active_trainings: running, max_concurrent: max, queued: await repo.countQueued(), capacity_available: Math.max(0, max - running) };
    },
    /** Slots of the workers heard from recently (the metrics' max_concurrent_trainings). */
    capacitySlots: () => cluster.members().reduce((sum, m) => sum + m.trainingSlots, 0),
    countActive: (ownerId: string) => repo.countActive(ownerId),
    countRunning: () => repo.countRunning(),
    /** Datasets delete guard: a dataset a queued or running run will read stays. */
    async datasetInUse(datasetId: string): Promise<string | undefined> {
      const run = await repo.activeOnDataset(datasetId);
      return run ? `Training run ${run.id} (${run.status}) uses it` : undefined;
    },
    handOver: (fromUserId: string, toUserId: string) => repo.reassignOwner(fromUserId, toUserId),
    component: {
      name: 'training',
      async start() {
        await ready;
        claims.start();
      },
      stop: shutdown,
    },
  };
}

export type TrainingService = ReturnType<typeof createTrainingService>;
