import type {
  AlertPolicy, DriftReport, Promotion, ShadowReport, DeploymentCreateRequest, DeploymentCreateResponse, DeploymentDetail, DeploymentSummary, EdgeAlert, EdgeScoreList,
} from '@prometheus/protocol';
import { ownedOr404, visibleTo, type Actor } from '../../access.js';
import type { Clock } from '../../clock.js';
import type { DeploymentSettings } from '../../config.js';
import { AppError, badRequest } from '../../errors.js';
import type { HubEventBus } from '../../events.js';
import type { AuthUser } from '../../http/context.js';
import { isoTime, newId } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { DeviceLink } from '../../mqtt/device-link.js';
import type { Limits } from '../billing/limits.js';
import type { Leadership } from '../../cluster/cluster.js';
import { createKeyedLock, type KeyedLock } from '../../keyed-lock.js';
import type { TargetWithIngest } from '../fleet/repo.js';
import type { TargetsService } from '../fleet/targets-service.js';
import type { ModelsService } from '../models/models-service.js';
import type { PointsService } from '../points/points-service.js';
import { agentRelease, assertExecutableArch, edgeBuildFile, edgeReleases, type BinaryFile, type ServedFile } from './binary.js';
import { normalizeArch } from './arch.js';
import { createEdgeResults } from './edge-results.js';
import { createOrchestrator } from './orchestrator.js';
import { toDeploymentDetail, toDeploymentSummary, toEdgeAlert } from './present.js';
import type { DeploymentRow, DeploymentsRepo } from './repo.js';
import type { DeploySigner } from './signing.js';
import { createDriftWatch } from './drift.js';
import { assertShadowFits, createShadowWatch } from './shadow.js';
import { createWatchRepo } from './watch-repo.js';
import type { Db } from '../../db/client.js';
import { deploymentRules, ruleSettings } from './rules.js';
import { alertPolicy } from './steps.js';

export interface DeploymentsServiceDeps {
  repo: DeploymentsRepo;
  /** For the drift and shadow tables (watch-repo.ts). */
  db: Db;
  models: ModelsService;
  targets: TargetsService;
  /** The target's point map: what the rules read at the edge. */
  points: Pick<PointsService, 'mapOfTarget'>;
  broker: Pick<DeviceLink, 'publishToDevice' | 'isOnline' | 'onDeviceMessage'>;
  signer: DeploySigner;
  limits: Limits;
  events: HubEventBus;
  clock: Clock;
  log: Logger;
  settings: DeploymentSettings;
  /** `<data dir>/deployments`. */
  root: string;
  /** Per owner (check a tier limit, then insert): in memory for one process, the cluster's lock for replicas. */
  lock?: KeyedLock;
  /** Replicas: only the leader recovers, fails overdue deployments and prunes; unset, this process leads. */
  leadership?: Leadership;
  /** Replicas: this one's id and those heard from recently (the leader takes over transfers of the others). */
  replicas?: { self: string; live(): string[] };
}

/** Deployments as people use them: create (which starts the state machine), list, detail, binary, results. */
export function createDeploymentsService(deps: DeploymentsServiceDeps) {
  const { repo, clock, settings, broker } = deps;
  const log = deps.log.child({ module: 'deployments' });
  const createLock = deps.lock ?? createKeyedLock();
  let pruneTimer: NodeJS.Timeout | undefined;
  const orchestrator = createOrchestrator({
    leadership: deps.leadership, replicas: deps.replicas, repo, models: deps.models, signer: deps.signer, clock, log, root: deps.root, events: deps.events, offlineWaitMs: settings.offlineWaitMs,
    edgeBuildDir: settings.edgeBuildDir,
    // Through the broker object (not a copy of its method), so what is published can be observed in tests.
    link: { publishToDevice: (id, leaf, payload, opts) => broker.publishToDevice(id, leaf, payload, opts), isOnline: (id) => broker.isOnline(id) },
    transfer: { chunkBytes: settings.chunkBytes, windowChunks: settings.windowChunks, stepTimeoutMs: settings.stepTimeoutMs, maxResends: 2 },
    recordCurrentModel: (targetId, status) => deps.targets.recordStatus(targetId, status),
  });
  const results = createEdgeResults({ repo, events: deps.events, clock, log });
  const watch = createWatchRepo(deps.db);
  const drift = createDriftWatch({ repo, watch, models: deps.models, events: deps.events, clock, log, settings: settings.drift, lock: createLock });
  const shadow = createShadowWatch({ repo, watch, signer: deps.signer, broker, clock, log });
  broker.onDeviceMessage('deploy/status', (targetId, payload) => orchestrator.onDeployStatus(targetId, payload));
  broker.onDeviceMessage('deploy/status', (targetId, payload) => shadow.onDeployStatus(targetId, payload));
  // Transfers live in the memory of the replica that opened them, which the shared copy may not reach.
  broker.onDeviceMessage('deploy/status', (targetId, payload) => orchestrator.onTransferStatus(targetId, payload), { everyReplica: true });
  broker.onDeviceMessage('inference', (targetId, payload) => results.onInference(targetId, payload));
  broker.onDeviceMessage('inference', (targetId, payload) => drift.onInference(targetId, payload));
  broker.onDeviceMessage('inference', (targetId, payload) => shadow.onInference(targetId, payload));

  async function visible(id: string, actor: Actor): Promise<DeploymentRow> {
    return ownedOr404(actor, await repo.findById(id), 'Deployment', id);
  }

  /**
   * The target by id, else the one visible target matching the given name and/or IP. An IP no visible target
   * has yet is an address to register: `register` says so (the caller creates it once the request is accepted).
   */
  async function resolveTarget(actor: Actor, body: DeploymentCreateRequest): Promise<{ target: TargetWithIngest } | { register: { name: string; ip: string } }> {
    if (body.target_id) {
      const t = await deps.targets.visible(actor, body.target_id);
      if ((body.target_name && t.name !== body.target_name) || (body.target_ip && t.ip !== body.target_ip)) {
        throw new AppError('BAD_REQUEST', 'target_id names another target than target_name/target_ip', { details: `${t.id} is '${t.name}' (${t.ip ?? 'no IP'})` });
      }
      return { target: t };
    }
    const live = (await deps.targets.list(actor)).filter((t) => t.status !== 'revoked');
    const views = live.filter((t) => (!body.target_name || t.name === body.target_name) && (!body.target_ip || t.ip === body.target_ip));
    if (views.length > 1) {
      const wanted = [body.target_name, body.target_ip].filter(Boolean).join(' / ');
      throw new AppError('CONFLICT', 'More than one target matches', { details: `${views.map((v) => v.id).join(', ')} match '${wanted}'; send target_id` });
    }
    if (views[0]) return { target: await deps.targets.visible(actor, views[0].id) };
    const ip = body.target_ip;
    if (ip && !live.some((t) => t.ip === ip)) return { register: { name: body.target_name ?? ip, ip } };
    const named = body.target_name ? ` named '${body.target_name}'` : '';
    throw new AppError('NOT_FOUND', 'Target not found', { details: ip ? `No target${named} has IP '${ip}'` : `No target${named}` });
  }

  /** The model's alert hysteresis, or null for a rules-only deployment. */
  async function modelAndPolicy(actor: AuthUser, body: DeploymentCreateRequest): Promise<{ modelId: string | null; policy: AlertPolicy | null }> {
    if (body.model_id === undefined) {
      if (body.alerts) throw badRequest("Invalid request body: 'alerts' needs a model (model_id): rule alerts follow the rules' own delays");
      return { modelId: null, policy: null };
    }
    const model = await deps.models.row(body.model_id, actor);
    const meta = (await deps.models.getArtifacts(model.id)).metadata;
    const policy = alertPolicy(meta.threshold, body.alerts);
    if (policy.clear_threshold > meta.threshold) {
      throw badRequest("Invalid request body: 'alerts.clear_threshold' must not be above the model's threshold", `The threshold is ${meta.threshold}`);
    }
    return { modelId: model.id, policy };
  }

  /**
   * An agent update (`kind: "agent"`): the release `agent_version` for the target's arch must be built on this hub.
   * It goes to a registered target only, and does not count against max_deployments (fleet upkeep, not a model).
   */
  async function createAgentUpdate(actor: AuthUser, body: DeploymentCreateRequest): Promise<DeploymentRow> {
    const version = body.agent_version as string; // the request's refinement guarantees it for kind agent
    return createLock(actor.id, async () => {
      const found = await resolveTarget(actor, body);
      if ('register' in found) {
        throw new AppError('NOT_FOUND', 'Target not found', { details: `No target has IP '${found.register.ip}': an agent update goes to an enrolled target` });
      }
      const target = found.target;
      if (target.revokedAt) throw new AppError('CONFLICT', 'The target is revoked', { details: `Target ${target.id} can no longer connect` });
      const arch = normalizeArch(target.arch);
      assertExecutableArch(arch, target.arch);
      const release = agentRelease(settings.edgeBuildDir, arch, version);
      const now = clock.now();
      return repo.insert({
        id: newId('dep'), ownerId: actor.id, deployedBy: actor.username, modelId: null, targetId: target.id, targetName: target.name,
        targetIp: target.ip, targetArch: target.arch, modelVersion: `agent ${release.version}`, kind: 'agent', agentVersion: release.version,
        status: 'compiling', statusDetail: `agent ${release.version} for ${arch}: nothing to compile`,
        steps: [{ status: 'compiling', at: now.getTime(), detail: null }], alertPolicy: null, rules: null, createdAt: now, updatedAt: now,
      });
    });
  }

  // The signed-in user (not just an Actor): the deployment records who deployed it by name.
  async function create(actor: AuthUser, body: DeploymentCreateRequest): Promise<DeploymentCreateResponse> {
    if (body.kind === 'agent') {
      const row = await createAgentUpdate(actor, body);
      log.info({ deploymentId: row.id, agentVersion: row.agentVersion, targetId: row.targetId, by: actor.id }, 'agent update created');
      await orchestrator.supersedeInProgress(row.targetId, row.id);
      void orchestrator.submit(row);
      return { id: row.id, status: row.status, model_id: null, target_ip: row.targetIp, target_id: row.targetId, target_name: row.targetName };
    }
    const settings = ruleSettings(body.rules);
    const { modelId, policy } = await modelAndPolicy(actor, body);
    // Under the owner's lock: two requests for one new address register one target, and the limit holds.
    const { row, enrollment } = await createLock(actor.id, async () => {
      const found = await resolveTarget(actor, body);
      if ('target' in found && found.target.revokedAt) throw new AppError('CONFLICT', 'The target is revoked', { details: `Target ${found.target.id} can no longer connect` });
      // A deployment to a target replaces what runs there, so that target's do not count against the limit.
      await deps.limits.assertWithin(actor.id, 'max_deployments', 'target' in found ? await repo.countActiveElsewhere(actor.id, found.target.id) : await repo.countActive(actor.id));
      // A target registered here has no readings yet, so no point map: the rules run only where a map exists.
      const points = 'target' in found ? (await deps.points.mapOfTarget(found.target.id)).points : [];
      const rules = deploymentRules(points, body.rules, settings, modelId === null);
      const mode = body.mode ?? 'live';
      if (mode === 'shadow') await assertShadowFits(repo, deps.models, 'target' in found ? found.target.id : null, modelId);
      const registered = 'register' in found ? await deps.targets.create(actor, found.register) : undefined;
      const target = 'target' in found ? found.target : await deps.targets.visible(actor, (registered as { id: string }).id);
      if (registered) log.info({ targetId: target.id, ip: target.ip, by: actor.id }, 'target registered by a deployment to its IP');
      const now = clock.now();
      const inserted = await repo.insert({
        id: newId('dep'), ownerId: actor.id, deployedBy: actor.username, modelId, targetId: target.id, targetName: target.name,
        targetIp: target.ip, targetArch: target.arch, modelVersion: `v${(await repo.countForTarget(target.id)) + 1}`, status: 'compiling',
        statusDetail: modelId ? 'exporting ONNX from the model for the target' : 'rules only: nothing to compile',
        steps: [{ status: 'compiling', at: now.getTime(), detail: null }], alertPolicy: policy, rules, mode, createdAt: now, updatedAt: now,
      });
      return { row: inserted, enrollment: registered && { enrollment_token: registered.enrollment_token, enrollment_expires_at: registered.enrollment_expires_at } };
    });
    log.info({ deploymentId: row.id, modelId, rules: row.rules !== null, mode: row.mode, targetId: row.targetId, by: actor.id }, 'deployment created');
    await orchestrator.supersedeInProgress(row.targetId, row.id);
    void orchestrator.submit(row);
    return { id: row.id, status: row.status, model_id: row.modelId, target_ip: row.targetIp, target_id: row.targetId, target_name: row.targetName, ...enrollment };
  }

  return {
    create,
    orchestrator,
    async list(actor: Actor): Promise<DeploymentSummary[]> {
      return (await repo.list(visibleTo(actor))).map((r) => toDeploymentSummary(r, settings.edgeBuildDir));
    },
    async get(id: string, actor: Actor): Promise<DeploymentDetail> {
      const row = await visible(id, actor);
      return toDeploymentDetail(row, settings.edgeBuildDir, broker.isOnline(row.targetId));
    },
    /** A file of the edge executable for the architecture of the deployment's target. */
    async binary(id: string, actor: Actor, file: BinaryFile): Promise<ServedFile> {
      const row = await visible(id, actor);
      const target = await deps.targets.visible(actor, row.targetId).catch(() => undefined);
      const raw = target?.arch ?? row.targetArch;
      const arch = normalizeArch(raw);
      assertExecutableArch(arch, raw);
      return edgeBuildFile(settings.edgeBuildDir, arch, file);
    },
    /** The executables built into EDGE_BUILD_DIR, one per arch. */
    releases: () => edgeReleases(settings.edgeBuildDir),
    async alerts(actor: Actor, targetId: string, state: 'raised' | 'cleared' | undefined, limit: number, kind?: EdgeAlert['kind']): Promise<EdgeAlert[]> {
      await deps.targets.visible(actor, targetId);
      return (await repo.listAlerts(targetId, state, limit, kind)).map(toEdgeAlert);
    },
    async scores(actor: Actor, targetId: string, since: string | undefined, limit: number): Promise<EdgeScoreList> {
      await deps.targets.visible(actor, targetId);
      const rows = await repo.listScores(targetId, since ? Date.parse(since) : undefined, limit);
      const current = (await repo.forTarget(targetId, ['deployed'])).filter((d) => d.kind === 'model').at(-1);
      return {
        target_id: targetId, threshold: current?.modelId ? (await deps.models.getArtifacts(current.modelId).catch(() => undefined))?.metadata.threshold ?? null : null,
        scores: rows.map((r) => ({ ts: isoTime(r.ts), score: r.score, anomaly: r.anomaly, out_of_range: r.outOfRange, deployment_id: r.deploymentId })),
      };
    },
    /** A shadow deployment beside the live model: agreement, alarm rates, score correlation, its recorded alarms. */
    async shadowReport(actor: Actor, id: string): Promise<ShadowReport> {
      const row = await visible(id, actor);
      if (row.mode !== 'shadow' && !row.promotion) throw new AppError('CONFLICT', 'Not a shadow deployment', { details: `${row.id} was deployed live (POST /deployments with mode "shadow" runs one beside it)` });
      return shadow.report(row);
    },
    promote: (actor: Actor, id: string): Promise<Promotion> => shadow.promote(actor, id),
    async drift(actor: Actor, targetId: string, from: string | undefined, to: string | undefined): Promise<DriftReport> {
      await deps.targets.visible(actor, targetId);
      return drift.report(targetId, from ? Date.parse(from) : undefined, to ? Date.parse(to) : undefined);
    },
    /** models delete guard: a model in progress or running on a target stays. */
    async modelInUse(modelId: string): Promise<string | undefined> {
      const row = await repo.activeWithModel(modelId);
      return row ? `${row.status === 'deployed' ? 'deployed' : 'being deployed'} to ${row.targetName} (${row.id})` : undefined;
    },
    countActive: (userId: string) => repo.countActive(userId),
    countAll: () => repo.countAll(),
    handOver: (fromUserId: string, toUserId: string) => repo.reassignOwner(fromUserId, toUserId),
    component: {
      name: 'deployments',
      async start(): Promise<void> {
        await orchestrator.component.start();
        const prune = async () => (deps.leadership?.isLeader() ?? true) && results.prune(settings.scoresRetentionMs).catch((err: unknown) => log.error({ err }, 'pruning scores failed'));
        await prune();
        pruneTimer = setInterval(() => void prune(), 3_600_000);
        pruneTimer.unref();
      },
      async stop(): Promise<void> {
        if (pruneTimer) clearInterval(pruneTimer);
        await orchestrator.component.stop();
      },
    },
  };
}

export type DeploymentsService = ReturnType<typeof createDeploymentsService>;
