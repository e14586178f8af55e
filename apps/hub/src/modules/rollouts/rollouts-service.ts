import { EventEmitter } from 'node:events';
import type { RolloutCreateRequest, RolloutDetail, RolloutSummary, Target } from '@prometheus/protocol';
import { ownedOr404, visibleTo, type Actor } from '../../access.js';
import type { Clock } from '../../clock.js';
import type { ClusterBus } from '../../cluster/cluster.js';
import { AppError } from '../../errors.js';
import type { AuthUser } from '../../http/context.js';
import { newId } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { Limits } from '../billing/limits.js';
import { normalizeArch } from '../deployments/arch.js';
import { agentRelease, assertExecutableArch } from '../deployments/binary.js';
import type { DeploymentsService } from '../deployments/deployments-service.js';
import type { TargetsService } from '../fleet/targets-service.js';
import type { ModelsService } from '../models/models-service.js';
import type { UsersRepo } from '../users/repo.js';
import { createRolloutEngine } from './engine.js';
import { planWaves, selectTargets, unknownTargetIds } from './plan.js';
import { toRolloutDetail, toRolloutSummary } from './present.js';
import type { RolloutRow, RolloutsRepo } from './repo.js';

export interface RolloutsServiceDeps {
  repo: RolloutsRepo;
  deployments: Pick<DeploymentsService, 'create' | 'orchestrator'>;
  targets: Pick<TargetsService, 'list'>;
  models: Pick<ModelsService, 'row'>;
  usersRepo: Pick<UsersRepo, 'findById'>;
  limits: Pick<Limits, 'assertWithin'>;
  /** Where the agent releases are (EDGE_BUILD_DIR): an agent rollout needs one for every selected target's arch. */
  edgeBuildDir: string;
  isOnline(targetId: string): boolean;
  /** The engine runs on the leader; every replica's live views hear of a change through the bus. */
  bus: ClusterBus;
  /** Cross-replica lock per rollout (the cluster's). */
  withLock?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  clock: Clock;
  log: Logger;
  tickMs: number;
}

/** Rollouts as people use them (create, list, detail, pause, resume, abort) and the engine that runs them. */
export function createRolloutsService(deps: RolloutsServiceDeps) {
  const { repo, clock } = deps;
  const log = deps.log.child({ module: 'rollouts' });
  const live = new EventEmitter();
  live.setMaxListeners(0);
  const engine = createRolloutEngine({
    repo, clock, log, tickMs: deps.tickMs, isOnline: deps.isOnline, ...(deps.withLock ? { withLock: deps.withLock } : {}),
    deploy: (actor, body) => deps.deployments.create(actor, body),
    failDeployment: (id, reason) => deps.deployments.orchestrator.fail(id, reason),
    actorFor: async (userId) => {
      const u = await deps.usersRepo.findById(userId);
      return u ? { id: u.id, username: u.username, email: u.email, role: u.role, sessionId: 'rollout-engine' } : undefined;
    },
    changed: (id) => deps.bus.publish('rollouts.changed', { id }),
  });
  deps.bus.subscribe('rollouts.changed', (m) => {
    const id = (m as { id?: unknown }).id;
    if (typeof id === 'string') void announce(id).catch((err: unknown) => log.error({ err, rolloutId: id }, 'rollout live update failed'));
  });

  async function announce(id: string): Promise<void> {
    if (live.listenerCount(id) === 0) return;
    const row = await repo.findById(id);
    if (row) live.emit(id, toRolloutDetail(row));
  }

  async function visible(id: string, actor: Actor): Promise<RolloutRow> {
    return ownedOr404(actor, await repo.findById(id), 'Rollout', id);
  }

  async function create(actor: AuthUser, body: RolloutCreateRequest): Promise<RolloutDetail> {
    const model = body.model_id !== undefined ? await deps.models.row(body.model_id, actor) : undefined;
    const visibleTargets = await deps.targets.list(actor);
    const unknown = unknownTargetIds(visibleTargets, body.selector);
    if (unknown.length > 0) throw new AppError('NOT_FOUND', 'Target not found', { details: `No target of yours has id ${unknown.slice(0, 10).join(', ')}` });
    const selected = selectTargets(visibleTargets, body.selector);
    if (selected.length === 0) throw new AppError('BAD_REQUEST', 'The selector matches no target', { details: `selector ${JSON.stringify(body.selector)} matches none of your ${visibleTargets.length} live targets` });
    if (body.agent_version !== undefined) assertAgentReleases(selected, body.agent_version);
    // Every selected target ends up with a model deployment: the tier must allow them beside those running elsewhere
    // (agent updates do not count against max_deployments).
    else await deps.limits.assertWithin(actor.id, 'max_deployments', (await repo.activeOutside(actor.id, selected.map((t) => t.id))) + selected.length - 1);
    const now = clock.now();
    const { waves, records } = planWaves(selected, body.strategy, now.getTime());
    const row = await repo.insert({
      id: newId('rol'), ownerId: actor.id, createdBy: actor.username, modelId: model?.id ?? null, agentVersion: body.agent_version ?? null, selector: body.selector,
      strategy: body.strategy, status: 'running', reason: null, currentWave: 0, waves, targets: records, createdAt: now, updatedAt: now,
    });
    log.info({ rolloutId: row.id, modelId: row.modelId, agentVersion: row.agentVersion, targets: records.length, waves: waves.length, by: actor.id }, 'rollout created');
    void engine.step(row.id).catch((err: unknown) => log.error({ err, rolloutId: row.id }, 'rollout step failed'));
    return toRolloutDetail(row);
  }

  /** An agent rollout: the release must be built for every selected target's arch (else 404/409 naming what is missing, before anything is sent). */
  function assertAgentReleases(selected: Target[], version: string): void {
    for (const arch of new Set(selected.map((t) => t.arch))) {
      const edgeArch = normalizeArch(arch);
      try {
        assertExecutableArch(edgeArch, arch);
        agentRelease(deps.edgeBuildDir, edgeArch as NonNullable<typeof edgeArch>, version);
      } catch (err) {
        const names = selected.filter((t) => t.arch === arch).map((t) => t.name).slice(0, 10).join(', ');
        if (err instanceof AppError) throw new AppError(err.code, err.message, { details: `${err.details ?? ''} Targets of arch ${arch ?? 'unknown'}: ${names}`.trim() });
        throw err;
      }
    }
  }

  /** pause, resume, abort: under the engine's lock for the rollout, from the states they apply to. */
  async function control(id: string, actor: AuthUser, action: 'pause' | 'resume' | 'abort'): Promise<RolloutDetail> {
    await visible(id, actor);
    await engine.withRollout(id, async () => {
      const row = await repo.findById(id) as RolloutRow;
      const from = action === 'pause' ? ['running'] : action === 'resume' ? ['paused'] : ['running', 'paused'];
      if (!from.includes(row.status)) {
        throw new AppError('CONFLICT', `The rollout is ${row.status}`, { details: `${action} applies to a rollout that is ${from.join(' or ')}` });
      }
      const now = clock.now();
      if (action !== 'abort') return repo.update(id, { status: action === 'pause' ? 'paused' : 'running', updatedAt: now });
      const targets = structuredClone(row.targets);
      for (const t of targets) {
        if (t.state === 'deploying' && t.deploymentId) await deps.deployments.orchestrator.fail(t.deploymentId, `the rollout ${id} was aborted by ${actor.username}`);
        if (t.state === 'deploying' || t.state === 'pending') Object.assign(t, { state: 'aborted', detail: t.state === 'pending' ? 'not started' : 'stopped while deploying', updatedAt: now.getTime() });
      }
      const waves = row.waves.map((w, i) => (i >= row.currentWave && w.status !== 'done' ? { ...w, status: 'aborted' as const, finishedAt: w.finishedAt ?? now.getTime() } : w));
      await repo.update(id, { status: 'aborted', reason: `aborted by ${actor.username}`, targets, waves, updatedAt: now });
    });
    log.info({ rolloutId: id, action, by: actor.id }, `rollout ${action}`);
    void engine.step(id).catch((err: unknown) => log.error({ err, rolloutId: id }, 'rollout step failed'));
    deps.bus.publish('rollouts.changed', { id });
    return toRolloutDetail(await repo.findById(id) as RolloutRow);
  }

  return {
    create,
    control,
    async list(actor: Actor): Promise<RolloutSummary[]> {
      return (await repo.list(visibleTo(actor))).map(toRolloutSummary);
    },
    async get(id: string, actor: Actor): Promise<RolloutDetail> {
      return toRolloutDetail(await visible(id, actor));
    },
    /** The console's live view: the detail now and on every change; returns the unsubscribe. */
    async watch(id: string, actor: Actor, send: (d: RolloutDetail) => void): Promise<() => void> {
      await visible(id, actor);
      live.on(id, send);
      send(toRolloutDetail(await repo.findById(id) as RolloutRow));
      return () => live.off(id, send);
    },
    handOver: (fromUserId: string, toUserId: string) => repo.reassignOwner(fromUserId, toUserId),
    component: engine.component,
  };
}

export type RolloutsService = ReturnType<typeof createRolloutsService>;
