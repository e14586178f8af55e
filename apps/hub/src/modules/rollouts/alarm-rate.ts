import type { RolloutWaveRecord } from '../../db/schema/rollouts.js';
import type { RolloutsRepo } from './repo.js';

type AlarmCheck = RolloutWaveRecord['alarmChecks'][number];

/**
 * A canary's alarm rate (share of its scored windows flagged anomalous) under the rollout's deployment,
 * against its own history: the windows it scored under earlier deployments in the `historyMs` before that
 * deployment was made. No history counts as a rate of 0; no window since the deployment is no evidence.
 */
export async function alarmCheck(repo: RolloutsRepo, input: { targetId: string; deploymentId: string; deploymentCreatedAt: number; historyMs: number; maxIncrease: number }): Promise<AlarmCheck> {
  const after = await repo.scoresOf(input.targetId, input.deploymentId);
  const before = await repo.scoresBefore(input.targetId, input.deploymentId, input.deploymentCreatedAt - input.historyMs, input.deploymentCreatedAt);
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
