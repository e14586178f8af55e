import { InferenceMessage, parseMessage, type RuleAlertEvent } from '@prometheus/protocol';
import type { RuleAlertDetail } from '../../db/schema/index.js';
import type { Clock } from '../../clock.js';
import type { HubEventBus } from '../../events.js';
import { newId } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { DeploymentsRepo } from './repo.js';

// What agents report on `inference`: anomaly scores of live windows and alerts (raised, later cleared): the
// model's (`alert`) and the Guideline 36 rules' (`rule_alert`, naming the fault condition, family and evidence).
// Messages come at least once (the agent's queue resends after a lost PUBACK), so storing is idempotent:
// a score is keyed by (target, window end, deployment), an alert by the agent's own id.
const ruleDetail = (a: RuleAlertEvent): RuleAlertDetail => ({
  fault_condition: a.fault_condition, family: a.family, operating_state: a.operating_state, evidence: a.evidence, since: a.since,
});

export function createEdgeResults(deps: { repo: DeploymentsRepo; events: HubEventBus; clock: Clock; log: Logger }) {
  const { repo, clock, log } = deps;

  return {
    async onInference(targetId: string, payload: Buffer): Promise<void> {
      const msg = parseMessage(InferenceMessage, payload);
      if (!msg) return log.warn({ targetId }, 'malformed inference message ignored');
      const deployment = await repo.findById(msg.deployment_id);
      if (!deployment || deployment.targetId !== targetId) return log.warn({ targetId, deploymentId: msg.deployment_id }, 'inference for an unknown deployment ignored');
      if (msg.kind === 'scores') return repo.insertScores(targetId, msg.deployment_id, msg.scores);
      // Drift hours and a shadow's results have their own handlers (drift.ts, shadow.ts).
      if (msg.kind === 'drift' || msg.kind === 'shadow_scores' || msg.kind === 'shadow_alert') return;
      const a = msg.alert;
      // A rule alert has no score: its score columns hold 0 and it is presented with nulls (present.ts).
      const kind = msg.kind === 'rule_alert' ? { kind: 'rule' as const, rule: ruleDetail(msg.alert), peakScore: 0, threshold: 0 }
        : { kind: msg.alert.kind ?? 'anomaly', rule: null, peakScore: msg.alert.peak_score, threshold: msg.alert.threshold };
      const { row, raisedNow } = await repo.upsertAlert({
        id: newId('alr'), targetId, agentAlertId: a.id, deploymentId: msg.deployment_id, modelId: msg.model_id, state: a.state,
        raisedAt: new Date(a.raised_at), clearedAt: a.cleared_at === null ? null : new Date(a.cleared_at), ...kind,
        message: a.message, receivedAt: clock.now(), drift: null,
      }, a);
      if (!raisedNow) return;
      const target = await repo.targetOwner(targetId);
      log.info({ targetId, alertId: row.id, state: row.state }, 'edge alert');
      if (target) deps.events.emit('edge.alert', { userId: target.ownerId, targetId, targetName: target.name, message: a.message });
    },
    /** Drops scores older than the retention. */
    prune: (retentionMs: number) => repo.pruneScores(clock.now().getTime() - retentionMs),
  };
}

export type EdgeResults = ReturnType<typeof createEdgeResults>;
