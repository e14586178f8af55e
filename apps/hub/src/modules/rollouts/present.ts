import type { RolloutDetail, RolloutSummary } from '@prometheus/protocol';
import { isoTime } from '../../ids.js';
import type { RolloutRow } from './repo.js';

const iso = (ms: number | null) => (ms === null ? null : isoTime(new Date(ms)));

export function toRolloutSummary(r: RolloutRow): RolloutSummary {
  const count = (...states: string[]) => r.targets.filter((t) => states.includes(t.state)).length;
  return {
    id: r.id, status: r.status, model_id: r.modelId, agent_version: r.agentVersion, reason: r.reason,
    current_wave: Math.min(r.currentWave, Math.max(0, r.waves.length - 1)), wave_count: r.waves.length,
    counts: {
      total: r.targets.length, pending: count('pending'), in_progress: count('deploying', 'rolling_back'), deployed: count('deployed'),
      failed: count('failed'), rolled_back: count('rolled_back'), skipped: count('skipped'), offline: count('offline'), aborted: count('aborted'),
    },
    created_by: r.createdBy, created_at: isoTime(r.createdAt), updated_at: isoTime(r.updatedAt), finished_at: r.finishedAt ? isoTime(r.finishedAt) : null,
  };
}

export function toRolloutDetail(r: RolloutRow): RolloutDetail {
  return {
    ...toRolloutSummary(r), selector: r.selector, strategy: r.strategy,
    waves: r.waves.map((w, index) => ({
      index, kind: w.kind, status: w.status, target_ids: w.targetIds, started_at: iso(w.startedAt), finished_at: iso(w.finishedAt),
      failed: r.targets.filter((t) => t.wave === index && (t.state === 'failed' || t.state === 'rolling_back' || t.state === 'rolled_back')).length,
      alarm_checks: w.alarmChecks,
    })),
    targets: r.targets.map((t) => ({
      target_id: t.targetId, target_name: t.targetName, wave: t.wave, state: t.state, deployment_id: t.deploymentId,
      previous_model_id: t.previousModelId, previous_agent_version: t.previousAgentVersion ?? null, rollback_deployment_id: t.rollbackDeploymentId, detail: t.detail, updated_at: isoTime(new Date(t.updatedAt)),
    })),
  };
}
