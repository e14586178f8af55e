import type { RolloutWaveRecord } from '../../db/schema/rollouts.js';
import type { RolloutsRepo } from './repo.js';

type AlarmCheck = RolloutWaveRecord['alarmChecks'][number];

/**
 * A canary's alarm rate (share of its scored windows flagged anomalous) under the rollout's deployment,
 * against its own history: the windows it scored under earlier deployments in the `historyMs` before that
 * deployment was made. No history counts as a rate of 0; no window since the deployment is no evidence.
 * An agent update scores under the model deployment it keeps running, so for one (`byTime`) the windows are
 * split by time instead: since it was deployed, against the history before it was made.
 */
export async function alarmCheck(repo: RolloutsRepo, input: {
  targetId: string; deploymentId: string; deploymentCreatedAt: number; deployedAt: number; historyMs: number; maxIncrease: number; byTime: boolean;
}): Promise<AlarmCheck> {
  const from = input.deploymentCreatedAt - input.historyMs;
  const after = input.byTime ? await repo.scoresBetween(input.targetId, input.deployedAt, Number.MAX_SAFE_INTEGER) : await repo.scoresOf(input.targetId, input.deploymentId);
  const before = input.byTime ? await repo.scoresBetween(input.targetId, from, input.deploymentCreatedAt)
    : await repo.scoresBefore(input.targetId, input.deploymentId, from, input.deploymentCreatedAt);
  const rate = (s: { windows: number; anomalous: number }) => (s.windows > 0 ? s.anomalous / s.windows : null);
  const afterRate = rate(after);
  const beforeRate = rate(before);
  return {
    target_id: input.targetId, before: beforeRate, after: afterRate, windows_before: before.windows, windows_after: after.windows,
    exceeded: afterRate !== null && afterRate - (beforeRate ?? 0) > input.maxIncrease,
  };
}

export const describeCheck = (c: AlarmCheck) =>
  `${c.target_id}: ${pct(c.after)} of ${c.windows_after} windows anomalous since deployed, ${pct(c.before)} of ${c.windows_before} before`;

const pct = (x: number | null) => (x === null ? 'none' : `${(x * 100).toFixed(1)}%`);
