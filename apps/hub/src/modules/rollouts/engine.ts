import type { DeploymentCreateRequest } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import type { RolloutTargetRecord, RolloutWaveRecord } from '../../db/schema/rollouts.js';
import { AppError } from '../../errors.js';
import type { AuthUser } from '../../http/context.js';
import { createKeyedLock } from '../../keyed-lock.js';
import type { Logger } from '../../logger.js';
import { alarmCheck, describeCheck } from './alarm-rate.js';
import type { RolloutRow, RolloutsRepo } from './repo.js';

// The rollout engine: a ticker that moves every unfinished rollout on from what the store says (its row and
// the deployment rows it created), so a hub restart resumes where it stood. One engine per store: it is a
// component with start/stop, so a replicated hub can run it on its leader only.

export interface RolloutEngineDeps {
  repo: RolloutsRepo;
  /** Creates a deployment as POST /api/v1/deployments does (the rollout's owner deploys). */
  deploy(actor: AuthUser, body: DeploymentCreateRequest): Promise<{ id: string }>;
  failDeployment(id: string, reason: string): Promise<void>;
  actorFor(userId: string): Promise<AuthUser | undefined>;
  isOnline(targetId: string): boolean;
  /** The rollout changed (the console's live view). */
  changed(rolloutId: string): void;
  clock: Clock;
  log: Logger;
  tickMs: number;
  /** One holder per key across replicas (pause on one replica never races the leader's step); in-process by default. */
  withLock?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
}

type Work = Pick<RolloutRow, 'status' | 'reason' | 'currentWave' | 'finishedAt'> & { waves: RolloutWaveRecord[]; targets: RolloutTargetRecord[] };

const IN_FLIGHT = new Set<RolloutTargetRecord['state']>(['deploying', 'rolling_back']);
const FAILED = new Set<RolloutTargetRecord['state']>(['failed', 'rolling_back', 'rolled_back']);
/** What a rollback returns the target to: its previous model, or for an agent rollout its previous agent version. */
const previousOf = (row: RolloutRow, t: RolloutTargetRecord) => (row.agentVersion !== null ? t.previousAgentVersion ?? null : t.previousModelId);
const describePrevious = (row: RolloutRow, prev: string | null) => (row.agentVersion !== null ? `agent ${prev ?? '(unknown version)'}` : prev ?? 'no model (it had none before)');
/** The deployment a rollout (or its rollback) asks for on one target. */
const deploymentBody = (row: RolloutRow, targetId: string, what: string): DeploymentCreateRequest =>
  (row.agentVersion !== null ? { kind: 'agent', agent_version: what, target_id: targetId } : { model_id: what, target_id: targetId });
const errorText = (err: unknown) => (err instanceof AppError ? `${err.message}${err.details ? `: ${err.details}` : ''}` : err instanceof Error ? err.message : String(err));

export function createRolloutEngine(deps: RolloutEngineDeps) {
  const { repo, clock, log } = deps;
  const local = createKeyedLock();
  const lock = <T>(id: string, fn: () => Promise<T>) => (deps.withLock ? deps.withLock(`rollout:${id}`, fn) : local(id, fn));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const set = (t: RolloutTargetRecord, state: RolloutTargetRecord['state'], detail: string | null, now: number) => {
    t.state = state;
    t.detail = detail;
    t.updatedAt = now;
  };

  /** Deployments in flight: their outcome becomes the target's state; an offline target past its deadline is given up. */
  async function follow(row: RolloutRow, w: Work, now: number): Promise<void> {
    const ids = w.targets.flatMap((t) => (t.state === 'deploying' && t.deploymentId ? [t.deploymentId] : t.state === 'rolling_back' && t.rollbackDeploymentId ? [t.rollbackDeploymentId] : []));
    const rows = await repo.deploymentsById(ids);
    for (const t of w.targets) {
      if (t.state === 'deploying') {
        const d = t.deploymentId ? rows.get(t.deploymentId) : undefined;
        if (!d) set(t, 'failed', 'its deployment is gone', now);
        else if (d.status === 'deployed') set(t, 'deployed', `deployed ${d.modelVersion}: verified, installed and health-checked`, now);
        else if (d.status === 'rolled_back') set(t, 'failed', `the target rolled it back: ${d.error ?? 'no reason given'}`, now);
        else if (d.status === 'failed' || d.status === 'superseded') set(t, 'failed', d.error ?? d.status, now);
        else if (!deps.isOnline(t.targetId) && row.strategy.offline === 'wait' && now - (t.startedAt ?? now) > row.strategy.offline_wait_seconds * 1000) {
          const why = `offline for longer than the rollout waits (${row.strategy.offline_wait_seconds} s)`;
          await deps.failDeployment(d.id, `the rollout stopped waiting: the target was ${why}`);
          set(t, 'offline', why, now);
        }
      } else if (t.state === 'rolling_back') {
        const d = t.rollbackDeploymentId ? rows.get(t.rollbackDeploymentId) : undefined;
        if (d?.status === 'deployed') set(t, 'rolled_back', `back on ${describePrevious(row, previousOf(row, t))} (${d.id})`, now);
        else if (!d || d.status === 'failed' || d.status === 'rolled_back' || d.status === 'superseded') {
          set(t, 'failed', `the rollback to ${describePrevious(row, previousOf(row, t))} did not complete: ${d?.error ?? 'its deployment is gone'}`, now);
        }
      }
    }
  }

  /** Starts a wave: a deployment per target, or skipped (offline with `skip`, revoked, gone). */
  async function startWave(row: RolloutRow, w: Work, wave: RolloutWaveRecord, now: number): Promise<void> {
    wave.status = 'running';
    wave.startedAt = now;
    const actor = await deps.actorFor(row.ownerId);
    const current = await repo.targetsById(wave.targetIds);
    for (const t of w.targets.filter((x) => x.wave === w.currentWave && x.state === 'pending')) {
      const target = current.get(t.targetId);
      t.startedAt = now;
      if (!target || target.revokedAt) set(t, 'skipped', target ? 'the target was revoked' : 'the target no longer exists', now);
      else if (row.strategy.offline === 'skip' && !deps.isOnline(t.targetId)) set(t, 'skipped', 'offline when its wave started', now);
      else if (!actor) set(t, 'failed', 'the rollout\'s owner no longer exists', now);
      else {
        // What it runs now is what a rollback returns to.
        t.previousModelId = target.currentModel;
        t.previousAgentVersion = target.agentVersion;
        try {
          t.deploymentId = (await deps.deploy(actor, deploymentBody(row, t.targetId, (row.agentVersion ?? row.modelId) as string))).id;
          set(t, 'deploying', deps.isOnline(t.targetId) ? 'deploying' : 'waiting for the target to come online', now);
        } catch (err) {
          set(t, 'failed', `the deployment was refused: ${errorText(err)}`, now);
        }
        // Saved per target: after a crash here, the deployments already made are known.
        await save(row.id, w, now);
      }
    }
  }

  /** A failed target goes back to its previous model: kept by the agent, else redeployed by the hub. */
  async function rollBack(row: RolloutRow, t: RolloutTargetRecord, now: number): Promise<void> {
    const target = (await repo.targetsById([t.targetId])).get(t.targetId);
    const prev = previousOf(row, t);
    t.rollbackTried = true;
    const runs = row.agentVersion !== null ? target?.agentVersion : target?.currentModel;
    if (t.state === 'failed' && runs === prev) return set(t, 'rolled_back', `${t.detail ?? 'failed'}; the target still runs ${describePrevious(row, prev)}`, now);
    if (!prev) return set(t, 'failed', `${t.detail ?? 'failed'}; no previous ${row.agentVersion !== null ? 'agent version' : 'model'} to return to`, now);
    const actor = await deps.actorFor(row.ownerId);
    try {
      if (!actor) throw new Error('the rollout\'s owner no longer exists');
      const alerts = row.agentVersion === null ? (await repo.lastDeployedWithModel(t.targetId, prev))?.alertPolicy ?? undefined : undefined;
      t.rollbackDeploymentId = (await deps.deploy(actor, { ...deploymentBody(row, t.targetId, prev), ...(alerts ? { alerts } : {}) })).id;
      set(t, 'rolling_back', `${t.detail ?? ''}; redeploying ${describePrevious(row, prev)}`.replace(/^; /, ''), now);
    } catch (err) {
      set(t, 'failed', `${t.detail ?? 'failed'}; the rollback to ${describePrevious(row, prev)} was refused: ${errorText(err)}`, now);
    }
  }

  async function halt(row: RolloutRow, w: Work, wave: RolloutWaveRecord, reason: string, failing: RolloutTargetRecord[], now: number): Promise<void> {
    w.status = 'halted';
    w.reason = reason;
    wave.status = 'halted';
    wave.finishedAt = now;
    log.warn({ rolloutId: row.id, wave: w.currentWave, reason }, 'rollout halted');
    for (const t of failing) await rollBack(row, t, now);
  }

  /** The canaries' alarm rates against their own history, at the end of the canary wave's interval. */
  async function observe(row: RolloutRow, w: Work, wave: RolloutWaveRecord, now: number): Promise<boolean> {
    const max = row.strategy.health.max_alarm_rate_increase as number;
    const canaries = w.targets.filter((t) => t.wave === w.currentWave && t.state === 'deployed' && t.deploymentId);
    const rows = await repo.deploymentsById(canaries.map((t) => t.deploymentId as string));
    wave.alarmChecks = [];
    for (const t of canaries) {
      const d = rows.get(t.deploymentId as string);
      if (!d) continue;
      wave.alarmChecks.push(await alarmCheck(repo, {
        targetId: t.targetId, deploymentId: d.id, deploymentCreatedAt: d.createdAt.getTime(), deployedAt: (d.deployedAt ?? d.createdAt).getTime(),
        historyMs: row.strategy.health.history_hours * 3_600_000, maxIncrease: max, byTime: row.agentVersion !== null,
      }));
    }
    const jumped = wave.alarmChecks.filter((c) => c.exceeded);
    if (jumped.length === 0) return true;
    const failing = canaries.filter((t) => jumped.some((c) => c.target_id === t.targetId));
    for (const t of failing) set(t, 'failed', `alarm rate jumped by more than ${max * 100}%: ${describeCheck(jumped.find((c) => c.target_id === t.targetId) as never)}`, now);
    await halt(row, w, wave, `the canaries' alarm rate jumped against their history (${jumped.map(describeCheck).join('; ')})`, failing, now);
    return false;
  }

  /** The current wave: started after the interval, judged on failures, observed (canaries), then the next. */
  async function advanceWave(row: RolloutRow, w: Work, now: number): Promise<void> {
    const wave = w.waves[w.currentWave];
    if (!wave) return;
    const members = w.targets.filter((t) => t.wave === w.currentWave);
    const prev = w.waves[w.currentWave - 1];
    if (wave.status === 'pending') {
      if (prev && now < (prev.settledAt ?? prev.finishedAt ?? now) + row.strategy.interval_seconds * 1000) return;
      await startWave(row, w, wave, now);
    }
    if (wave.status === 'running') {
      const failed = members.filter((t) => FAILED.has(t.state));
      const counted = members.filter((t) => t.state !== 'skipped' && t.state !== 'offline').length;
      if (failed.length > 0 && (failed.length * 100) / Math.max(1, counted) > row.strategy.max_failure_percent) {
        const reason = `wave ${w.currentWave} (${wave.kind}): ${failed.length} of ${counted} targets failed, more than max_failure_percent ${row.strategy.max_failure_percent}%`;
        return halt(row, w, wave, reason, failed.filter((t) => t.state === 'failed'), now);
      }
      if (members.some((t) => t.state === 'pending' || t.state === 'deploying')) return;
      wave.settledAt = now;
      wave.status = wave.kind === 'canary' && row.strategy.health.max_alarm_rate_increase !== undefined ? 'observing' : 'done';
    }
    if (wave.status === 'observing') {
      if (now < (wave.settledAt ?? now) + row.strategy.interval_seconds * 1000) return;
      if (!(await observe(row, w, wave, now))) return;
      wave.status = 'done';
    }
    if (wave.status === 'done') {
      wave.finishedAt ??= now;
      w.currentWave += 1;
      if (w.currentWave >= w.waves.length) {
        w.status = 'completed';
        log.info({ rolloutId: row.id }, 'rollout completed');
      } else await advanceWave(row, w, now);
    }
  }

  /** Targets of a halted wave that failed after the halt go back too. */
  async function lateFailures(row: RolloutRow, w: Work, now: number): Promise<void> {
    for (const t of w.targets) {
      if (t.wave === w.currentWave && t.state === 'failed' && !t.rollbackTried) await rollBack(row, t, now);
    }
  }

  async function save(id: string, w: Work, now: number): Promise<void> {
    await repo.update(id, { status: w.status, reason: w.reason, currentWave: w.currentWave, waves: w.waves, targets: w.targets, finishedAt: w.finishedAt, updatedAt: new Date(now) });
  }

  /** One look at one rollout; saved and announced when anything changed. */
  async function step(id: string): Promise<void> {
    await lock(id, async () => {
      const row = await repo.findById(id);
      if (!row || row.finishedAt) return;
      const now = clock.now().getTime();
      const w: Work = structuredClone({ status: row.status, reason: row.reason, currentWave: row.currentWave, finishedAt: row.finishedAt, waves: row.waves, targets: row.targets });
      await follow(row, w, now);
      if (w.status === 'running') await advanceWave(row, w, now);
      if (w.status === 'halted') await lateFailures(row, w, now);
      // Finished once nothing it started is still in flight (a halted or aborted rollout follows its last deployments).
      if (w.status !== 'running' && w.status !== 'paused' && !w.targets.some((t) => IN_FLIGHT.has(t.state))) w.finishedAt = new Date(now);
      if (JSON.stringify(w) === JSON.stringify({ status: row.status, reason: row.reason, currentWave: row.currentWave, finishedAt: row.finishedAt, waves: row.waves, targets: row.targets })) return;
      await save(id, w, now);
      deps.changed(id);
    });
  }

  async function tick(): Promise<void> {
    for (const row of await repo.unfinished()) {
      await step(row.id).catch((err: unknown) => log.error({ err, rolloutId: row.id }, 'rollout step failed'));
    }
  }

  return {
    step,
    /** Runs `fn` on a rollout under the engine's lock for it (pause, resume, abort never race a step). */
    withRollout: <T>(id: string, fn: () => Promise<T>) => lock(id, fn),
    component: {
      name: 'rollouts',
      start(): void {
        const loop = () => {
          running = tick().catch((err: unknown) => log.error({ err }, 'rollout tick failed')).finally(() => {
            running = undefined;
            if (timer) timer = setTimeout(loop, deps.tickMs).unref();
          });
        };
        timer = setTimeout(loop, 0).unref();
      },
      async stop(): Promise<void> {
        if (timer) clearTimeout(timer);
        timer = undefined;
        await running;
      },
    },
  };
}

export type RolloutEngine = ReturnType<typeof createRolloutEngine>;
