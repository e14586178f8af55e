import { DeployStatusReport, parseMessage, type DeviceStatus } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import type { Leadership } from '../../cluster/cluster.js';
import type { HubEventBus } from '../../events.js';
import type { Logger } from '../../logger.js';
import { advance, runPipeline, type PipelineDeps } from './pipeline.js';
import { readPackage, sha256Hex, sweepPackages } from './package-files.js';
import { IN_PROGRESS, type DeploymentRow, type DeploymentState } from './repo.js';
import { createTransfers, type TransferLink, type TransferSettings } from './transfer.js';

// The deployment state machine. The status column is the state; the hub's steps run one deployment at a
// time (they are CPU work), then the transfer and the agent's reports take it to deployed, failed or
// rolled_back. A hub restart re-runs interrupted hub steps from the start and resumes transfers from the
// stored package (the agent says how far it got); whatever cannot resume fails with the reason.

export interface OrchestratorDeps extends PipelineDeps {
  link: TransferLink;
  transfer: TransferSettings;
  events: HubEventBus;
  /** Records what the target runs now (its `current_model`). */
  recordCurrentModel(targetId: string, status: DeviceStatus): Promise<void>;
  offlineWaitMs: number;
  clock: Clock;
  log: Logger;
  /** Replicas: recovery and the offline-wait check run on the leader (again when a replica becomes it). */
  leadership?: Leadership | undefined;
  /** Replicas: this one's id and those heard from recently (itself included); unset, this process is the only one. */
  replicas?: { self: string; live(): string[] } | undefined;
}

const AGENT_BUSY = new Set(['verifying', 'installing', 'health_check']);
const TARGET_DONE = new Set(['deployed', 'failed', 'rolled_back']);
const AGENT_STEP: Record<DeploymentRow['kind'], Record<string, string>> = {
  model: {
    verifying: 'the target is verifying the package (sha256, signature)', installing: 'the target is installing the model',
    health_check: 'the target is running the health inference',
  },
  agent: {
    verifying: 'the target is verifying the executable (sha256, signature, arch, addon)', installing: 'the target is writing the new executable beside its own',
    health_check: 'the target is trying the new agent on its state dir (it must report healthy within the deadline)',
  },
};

export function createOrchestrator(deps: OrchestratorDeps) {
  const { repo, clock, log, events } = deps;
  let queue: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let unwatch: (() => void) | undefined;
  const leads = () => deps.leadership?.isLeader() ?? true;
  const self = deps.replicas?.self ?? 'this-process';
  const liveReplicas = () => new Set(deps.replicas?.live() ?? [self]);
  const transfers = createTransfers(deps.link, deps.transfer, {
    progress: (id, bytes) => void repo.update(id, { bytesAcked: bytes, updatedAt: clock.now() }),
    stalled: (id, reason) => void fail(id, reason),
  }, log, () => clock.now().getTime());

  /** Ends a deployment that is still in progress; the event tells its owner. */
  async function fail(id: string, reason: string, status: Extract<DeploymentState, 'failed' | 'rolled_back'> = 'failed'): Promise<void> {
    transfers.close(id);
    const row = await repo.findById(id);
    if (!row || !IN_PROGRESS.includes(row.status)) return;
    const done = await advance(repo, row, status, reason, clock.now(), { error: reason, statusDetail: null, finishedAt: clock.now() });
    if (!done) return;
    log.warn({ deploymentId: id, status, reason }, 'deployment did not complete');
    events.emit('deployment.failed', { userId: row.ownerId, deploymentId: id, targetName: row.targetName, reason: status === 'rolled_back' ? `rolled back: ${reason}` : reason });
  }

  /** Sends the stored package from here; `previous`: take it over only from that replica (undefined: whoever held it). */
  async function startTransfer(row: DeploymentRow, previous?: string | null): Promise<void> {
    const pkg = await readPackage(deps.root, row.id);
    // A rules-only deployment's package is its signed manifest alone (no model bytes); an agent update's is the executable.
    const rulesOnly = row.kind === 'model' && row.modelId === null;
    const intact = pkg && (rulesOnly ? pkg.model.length === 0 : sha256Hex(pkg.model) === row.packageSha256);
    if (!pkg || !intact) return fail(row.id, 'the package is missing or damaged on the hub; deploy again');
    // Named before the first manifest: the agent's reports go to every replica, and only the one named answers.
    if (!(await repo.holdTransfer(row.id, self, previous))) return;
    transfers.open(row.id, row.targetId, pkg);
    if (!deps.link.isOnline(row.targetId)) await repo.update(row.id, { statusDetail: 'waiting for the target to come online', updatedAt: clock.now() });
  }

  /** Queues the hub-side steps of a deployment in `compiling`. */
  function submit(row: DeploymentRow): Promise<void> {
    const work = queue.then(async () => {
      if (stopped) return;
      try {
        const ready = await runPipeline(deps, row);
        if (ready) await startTransfer(ready);
      } catch (err) {
        const step = (await repo.findById(row.id))?.status ?? 'compiling';
        await fail(row.id, `${step}: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    queue = work.catch(() => undefined);
    return work;
  }

  async function deployed(row: DeploymentRow, report: DeployStatusReport): Promise<void> {
    transfers.close(row.id);
    const now = clock.now();
    const what = row.kind === 'agent' ? `agent ${row.agentVersion ?? '?'} verified, tried, swapped in and running on the target`
      : `verified, installed and health-checked on the target${report.health ? ` (${report.health.runtime})` : ''}`;
    // The target's record first: the agent runs the new version whatever happens to this row, and a client that
    // sees `deployed` must not then read the old version on the target.
    if (row.kind === 'agent') await deps.recordCurrentModel(row.targetId, { v: 1, state: 'online', ...(row.agentVersion ? { version: row.agentVersion } : {}) });
    else if (row.mode === 'live') await deps.recordCurrentModel(row.targetId, { v: 1, state: 'online', current_model: row.modelId, current_model_version: row.modelVersion });
    const done = await advance(repo, row, 'deployed', what, now, {
      statusDetail: null, error: null, deployedAt: now, finishedAt: now, bytesAcked: row.packageSize ?? row.bytesAcked,
      ...(report.health ? { healthScore: report.health.score, healthRuntime: report.health.runtime } : {}),
    });
    if (!done) return;
    // A model replaces the model, an agent version the agent version: the two kinds run side by side. A shadow
    // replaces only an older shadow and leaves the live model (and the target's current model) alone.
    for (const older of await repo.forTarget(row.targetId, ['deployed'])) {
      if (older.id !== row.id && older.kind === row.kind && older.mode === row.mode) await advance(repo, older, 'superseded', `replaced by ${row.id}`, now, { statusDetail: null });
    }
    events.emit('deployment.ready', { userId: row.ownerId, deploymentId: row.id, targetName: row.targetName });
  }

  /** A `deploy/status` message from a target (after the broker's ACL). */
  async function onDeployStatus(targetId: string, payload: Buffer): Promise<void> {
    const report = parseMessage(DeployStatusReport, payload);
    if (!report) return log.warn({ targetId }, 'malformed deploy/status ignored');
    if (report.current) {
      await deps.recordCurrentModel(targetId, { v: 1, state: 'online', current_model: report.current.model_id, current_model_version: report.current.model_version });
    }
    const row = report.deployment_id ? await repo.findById(report.deployment_id) : undefined;
    if (row && row.targetId === targetId && row.status === 'transferring') {
      if (AGENT_BUSY.has(report.state)) {
        await repo.update(row.id, { statusDetail: AGENT_STEP[row.kind][report.state] ?? report.state, bytesAcked: row.packageSize ?? row.bytesAcked, updatedAt: clock.now() });
      } else if (report.state === 'deployed') await deployed(row, report);
      else if (report.state === 'failed' || report.state === 'rolled_back') await fail(row.id, report.reason ?? 'the target gave no reason', report.state);
    }
  }

  /**
   * Every replica's copy of a `deploy/status` (onDeployStatus above runs on the one replica the broker handed
   * it to): the replica holding the transfer, with its package in memory, sends the next chunks or the manifest
   * again; the others hold nothing to act on.
   */
  async function onTransferStatus(targetId: string, payload: Buffer): Promise<void> {
    const report = parseMessage(DeployStatusReport, payload);
    if (!report) return;
    const id = report.deployment_id;
    if (id && transfers.targetOf(id) === targetId) {
      // Ended elsewhere (another replica stored the outcome, or an operator cancelled): stop sending.
      const row = await repo.findById(id);
      // Or taken over: the leader found this replica silent for a while and sends the package itself now.
      if (row?.status !== 'transferring' || TARGET_DONE.has(report.state) || (row.transferReplica !== null && row.transferReplica !== self)) transfers.close(id);
      else if (report.state === 'receiving') transfers.receiving(id, report);
      else if (AGENT_BUSY.has(report.state)) transfers.alive(id);
    }
    // A sync (on connect, or the answer to another manifest): offer what else is waiting for this target.
    if (report.resume || report.state === 'idle' || TARGET_DONE.has(report.state)) transfers.offerFor(targetId, id);
  }

  /** A transfer no live replica holds: its replica stopped (or, at start-up, this process restarted). */
  const orphaned = (row: DeploymentRow, live: Set<string>) => row.transferReplica === self ? !transfers.has(row.id)
    : row.transferReplica === null || !live.has(row.transferReplica);

  /**
   * Start-up (or leadership won): interrupted hub steps run again from the start; transfers no live replica holds
   * resume from the stored package (the agent answers the manifest with the offset it holds).
   */
  async function recover(): Promise<void> {
    const open = await repo.withStatus(IN_PROGRESS);
    const live = liveReplicas();
    for (const row of open) {
      if (row.status === 'transferring') {
        if (orphaned(row, live)) await startTransfer(row, row.transferReplica);
        continue;
      }
      const restarted = await advance(repo, row, 'compiling', `the hub restarted during ${row.status}; the steps run again`, clock.now());
      if (restarted) void submit(restarted);
    }
    const keep = new Set((await repo.withStatus([...IN_PROGRESS, 'deployed'])).map((r) => r.id));
    const removed = await sweepPackages(deps.root, keep);
    if (removed.length > 0) log.info({ removed }, 'removed deployment packages no longer needed');
  }

  /** Periodic: transfers to targets that came online or went quiet, and offline waits that ran out. */
  async function tick(): Promise<void> {
    transfers.tick();
    if (!leads()) return;
    const now = clock.now().getTime();
    const live = liveReplicas();
    for (const row of await repo.withStatus(['transferring'])) {
      const since = [...row.steps].reverse().find((s) => s.status === 'transferring')?.at ?? row.updatedAt.getTime();
      if (!deps.link.isOnline(row.targetId) && now - since > deps.offlineWaitMs) {
        await fail(row.id, `the target did not come online within ${Math.round(deps.offlineWaitMs / 3_600_000)} h`);
      } else if (row.transferReplica !== null && row.transferReplica !== self && !live.has(row.transferReplica)) {
        // Its replica died (not heard from): the package is on the shared volume, so the transfer goes on from here.
        log.warn({ deploymentId: row.id, replica: row.transferReplica }, 'taking over the transfer of a replica no longer heard from');
        await startTransfer(row, row.transferReplica);
      }
    }
  }

  return {
    submit,
    fail,
    onDeployStatus,
    onTransferStatus,
    /** A new deployment to the target replaces any still in progress there. */
    async supersedeInProgress(targetId: string, byId: string): Promise<void> {
      for (const row of await repo.forTarget(targetId, IN_PROGRESS)) {
        if (row.id !== byId) await fail(row.id, `superseded by ${byId} before it was deployed`);
      }
    },
    component: {
      name: 'deployments',
      async start(): Promise<void> {
        stopped = false;
        if (leads()) await recover();
        // A replica that becomes the leader takes over what the previous one left in progress.
        unwatch = deps.leadership?.onChange((leader) => {
          if (leader && !stopped) void recover().catch((err: unknown) => log.error({ err }, 'deployment recovery failed'));
        });
        timer = setInterval(() => void tick().catch((err: unknown) => log.error({ err }, 'deployment tick failed')), 2000);
        timer.unref();
      },
      async stop(): Promise<void> {
        stopped = true;
        unwatch?.();
        if (timer) clearInterval(timer);
        await queue;
      },
    },
  };
}

export type Orchestrator = ReturnType<typeof createOrchestrator>;
