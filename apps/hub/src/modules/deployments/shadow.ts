import {
  DeployStatusReport, InferenceMessage, parseMessage, type PromoteCommand, type PromoteOrder, type Promotion, type ShadowReport,
} from '@prometheus/protocol';
import { ownedOr404, type Actor } from '../../access.js';
import type { Clock } from '../../clock.js';
import type { DeploymentPromotion } from '../../db/schema/index.js';
import { AppError, badRequest } from '../../errors.js';
import { isoTime } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { MqttBroker } from '../../mqtt/broker.js';
import type { ModelsService } from '../models/models-service.js';
import { advance } from './pipeline.js';
import type { DeploymentRow, DeploymentsRepo } from './repo.js';
import type { DeploySigner } from './signing.js';
import type { WatchRepo } from './watch-repo.js';

// Shadow models: a deployment with mode `shadow` is installed beside the target's live model; the agent scores
// every window with both and sends the pairs (`shadow_scores`) and the shadow's alarms (`shadow_alert`), which
// are recorded here and never raised as alerts. The report compares them: agreement, alarm rates, Pearson's r.
// Promotion is a signed order on `deploy`: the agent makes the shadow live (the old live model stays installed as
// the previous one); promoting that previous deployment later rolls back. The hub marks a promotion done when the
// agent reports the deployment as the one it runs; a pending order is sent again on every connect of the target.

const iso = (t: number | null) => (t === null ? null : isoTime(new Date(t)));

export function toPromotion(row: DeploymentRow): Promotion | null {
  const p = row.promotion;
  return p ? { deployment_id: row.id, target_id: row.targetId, state: p.state, reason: p.reason ?? null, replaces_deployment_id: p.replaces, requested_at: isoTime(new Date(p.requestedAt)), done_at: iso(p.doneAt) } : null;
}

export function createShadowWatch(deps: {
  repo: DeploymentsRepo; watch: WatchRepo; signer: DeploySigner; broker: Pick<MqttBroker, 'publishToDevice' | 'isOnline'>; clock: Clock; log: Logger;
}) {
  const { repo, watch, clock, log } = deps;

  async function onInference(targetId: string, payload: Buffer): Promise<void> {
    const msg = parseMessage(InferenceMessage, payload);
    if (msg?.kind !== 'shadow_scores' && msg?.kind !== 'shadow_alert') return;
    const row = await repo.findById(msg.deployment_id);
    if (!row || row.targetId !== targetId) return log.warn({ targetId, deploymentId: msg.deployment_id }, 'shadow result for an unknown deployment ignored');
    if (msg.kind === 'shadow_scores') {
      return watch.insertShadowScores(msg.scores.map((s) => ({
        deploymentId: row.id, ts: s.ts, targetId, liveDeploymentId: msg.live_deployment_id, score: s.score, anomaly: s.anomaly, liveScore: s.live_score, liveAnomaly: s.live_anomaly,
      })));
    }
    const a = msg.alert;
    await watch.upsertShadowAlarm({
      deploymentId: row.id, agentAlarmId: a.id, targetId, state: a.state, raisedAt: new Date(a.raised_at), clearedAt: a.cleared_at === null ? null : new Date(a.cleared_at),
      peakScore: a.peak_score, threshold: a.threshold, message: a.message,
    });
  }

  async function report(row: DeploymentRow): Promise<ShadowReport> {
    const g = await watch.shadowAggregate(row.id);
    const n = g.windows;
    const denom = (n * g.sxx - g.sx * g.sx) * (n * g.syy - g.sy * g.sy);
    const r = n >= 2 && denom > 0 ? (n * g.sxy - g.sx * g.sy) / Math.sqrt(denom) : null;
    const alarms = await watch.shadowAlarms(row.id, 100);
    const liveId = g.liveDeploymentId ?? row.promotion?.replaces ?? null;
    const liveAlarms = liveId && g.first !== null && g.last !== null ? await watch.countLiveAlarms(row.targetId, liveId, g.first, g.last) : 0;
    return {
      deployment_id: row.id, target_id: row.targetId, mode: row.mode, windows: n, agreement: n > 0 ? g.agree / n : null,
      score_correlation: r === null ? null : Math.max(-1, Math.min(1, r)),
      live: { deployment_id: liveId ?? '', alarm_rate: n > 0 ? g.liveAnomalous / n : null, alarms_raised: liveAlarms },
      shadow: { deployment_id: row.id, alarm_rate: n > 0 ? g.shadowAnomalous / n : null, alarms_raised: await watch.countShadowAlarms(row.id) },
      first_window: iso(g.first), last_window: iso(g.last),
      shadow_alarms: alarms.map((a) => ({
        id: `${a.deploymentId}:${a.agentAlarmId}`, state: a.state, raised_at: isoTime(a.raisedAt), cleared_at: a.clearedAt ? isoTime(a.clearedAt) : null,
        peak_score: a.peakScore, threshold: a.threshold, message: a.message,
      })),
    };
  }

  async function sendOrder(row: DeploymentRow, p: DeploymentPromotion): Promise<void> {
    if (!deps.broker.isOnline(row.targetId)) return;
    const order: PromoteOrder = { format: 'prometheus-promote/1', deployment_id: row.id, target_id: row.targetId, issued_at: p.issuedAt };
    const text = JSON.stringify(order);
    const cmd: PromoteCommand = { v: 1, kind: 'promote', order: text, signature: deps.signer.sign(Buffer.from(text, 'utf8')) };
    await deps.broker.publishToDevice(row.targetId, 'deploy', cmd, { qos: 1 }).catch((err: unknown) => log.warn({ err, deploymentId: row.id }, 'promotion order not sent; resent on connect'));
  }

  /** What promoting `row` replaces: the live deployment now (shadow -> live), or the one whose promotion replaced it (rollback). */
  async function replaced(row: DeploymentRow): Promise<DeploymentRow> {
    const live = (await repo.forTarget(row.targetId, ['deployed'])).filter((r) => r.mode === 'live');
    const current = live.at(-1);
    if (row.status === 'deployed' && row.mode === 'live') throw new AppError('CONFLICT', 'The deployment is already live', { details: `${row.id} runs live on ${row.targetName}` });
    if (row.status === 'deployed' && row.mode === 'shadow') {
      if (!current) throw new AppError('CONFLICT', 'No live model on the target to replace', { details: `${row.targetName} runs no live model` });
      return current;
    }
    const rollback = live.find((r) => r.promotion?.state === 'done' && r.promotion.replaces === row.id);
    if (row.status === 'superseded' && rollback) return rollback;
    throw new AppError('CONFLICT', 'Only a deployed shadow, or the deployment a promotion replaced (rollback), can be promoted', {
      details: `${row.id} is ${row.status} (${row.mode})`,
    });
  }

  async function promote(actor: Actor, id: string): Promise<Promotion> {
    const row = ownedOr404(actor, await repo.findById(id), 'Deployment', id);
    const pending = (await watch.pendingPromotions(row.targetId))[0];
    if (pending?.id === row.id && pending.promotion) {
      await sendOrder(pending, pending.promotion); // asked again: the same order, sent again
      return toPromotion(pending) as Promotion;
    }
    if (pending) throw new AppError('CONFLICT', 'Another promotion on this target is pending', { details: `${pending.id} waits for the target to confirm` });
    const old = await replaced(row);
    const now = clock.now().getTime();
    const p: DeploymentPromotion = { state: 'pending', replaces: old.id, requestedAt: now, doneAt: null, issuedAt: now };
    await repo.update(row.id, { promotion: p, updatedAt: clock.now() });
    log.info({ deploymentId: row.id, replaces: old.id, by: actor.id }, 'promotion ordered');
    const updated = { ...row, promotion: p };
    await sendOrder(updated, p);
    return toPromotion(updated) as Promotion;
  }

  /** The agent's `deploy/status`: a promotion is done when the deployment is what it runs; syncs get pending orders again. */
  async function onDeployStatus(targetId: string, payload: Buffer): Promise<void> {
    const report = parseMessage(DeployStatusReport, payload);
    if (!report) return;
    for (const row of await watch.pendingPromotions(targetId)) {
      const p = row.promotion as DeploymentPromotion;
      if (report.current?.deployment_id === row.id) {
        const now = clock.now();
        const old = p.replaces ? await repo.findById(p.replaces) : undefined;
        if (old?.status === 'deployed') await advance(repo, old, 'superseded', `replaced by the promotion of ${row.id} (kept on the target for rollback)`, now, { statusDetail: null });
        const detail = row.status === 'superseded' ? `rolled back to: live again on the target, replacing ${p.replaces}` : `promoted: live on the target, replacing ${p.replaces}`;
        const done = row.status === 'deployed' ? row : await advance(repo, row, 'deployed', detail, now, { statusDetail: null });
        await repo.update(row.id, { mode: 'live', promotion: { ...p, state: 'done', doneAt: now.getTime() }, updatedAt: now, ...(done === row ? { steps: [...row.steps, { status: 'deployed', at: now.getTime(), detail }] } : {}) });
        log.info({ deploymentId: row.id, replaced: p.replaces }, 'promotion done');
      } else if (report.deployment_id === row.id && (report.state === 'failed' || report.state === 'rolled_back')) {
        await repo.update(row.id, { promotion: { ...p, state: 'failed', reason: report.reason ?? 'the target gave no reason' }, updatedAt: clock.now() });
        log.warn({ deploymentId: row.id, reason: report.reason }, 'promotion refused by the target');
      } else if (report.resume || report.state === 'idle') {
        await sendOrder(row, p);
      }
    }
  }

  return { onInference, onDeployStatus, promote, report, toPromotion };
}

export type ShadowWatch = ReturnType<typeof createShadowWatch>;

/**
 * A shadow needs a live model on the target to run beside, reading the same windows: the same feature columns
 * and window length (its own normalization and threshold are fine: a retrained candidate differs there).
 */
export async function assertShadowFits(repo: DeploymentsRepo, models: Pick<ModelsService, 'getArtifacts'>, targetId: string | null, modelId: string | null): Promise<void> {
  const live = targetId ? (await repo.forTarget(targetId, ['deployed'])).filter((r) => r.mode === 'live' && r.modelId !== null).at(-1) : undefined;
  if (!live?.modelId || !modelId) throw new AppError('CONFLICT', 'A shadow runs beside a live model: the target runs none', { details: 'deploy a model live first (mode "live")' });
  const [a, b] = await Promise.all([models.getArtifacts(live.modelId).catch(() => undefined), models.getArtifacts(modelId)]);
  if (!a) return; // the live model was deleted from the hub: the agent checks the window shape itself
  const same = a.metadata.sequence_length === b.metadata.sequence_length && a.metadata.feature_columns.join('\u0000') === b.metadata.feature_columns.join('\u0000');
  if (!same) {
    throw badRequest("Invalid request body: 'mode' shadow needs the live model's window: the same feature columns and sequence length",
      `live ${live.modelId}: ${a.metadata.feature_columns.join(', ')} x ${a.metadata.sequence_length}; ${modelId}: ${b.metadata.feature_columns.join(', ')} x ${b.metadata.sequence_length}`);
  }
}
