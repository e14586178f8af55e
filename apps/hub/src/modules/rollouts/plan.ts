import type { RolloutSelector, RolloutStrategy, Target } from '@prometheus/protocol';
import type { RolloutTargetRecord, RolloutWaveRecord } from '../../db/schema/rollouts.js';

// Which targets a rollout takes and in what waves: the selector (tags: every key matches, a list of values
// matches any; target_ids: only those), then the canary wave and waves of batch_percent of the selection.

export function selectTargets(all: Target[], selector: RolloutSelector): Target[] {
  const ids = selector.target_ids ? new Set(selector.target_ids) : undefined;
  const tags = Object.entries(selector.tags ?? {});
  return all.filter((t) => t.status !== 'revoked' && (!ids || ids.has(t.id))
    && tags.every(([key, want]) => (Array.isArray(want) ? want : [want]).includes(t.tags[key] ?? '\u0000')));
}

/** Target ids of the selector that are not among the visible targets (a typo must not shrink a rollout silently). */
export function unknownTargetIds(visible: Target[], selector: RolloutSelector): string[] {
  const known = new Set(visible.map((t) => t.id));
  return (selector.target_ids ?? []).filter((id) => !known.has(id));
}

/** The canary wave (if any), then waves of ceil(batch_percent x selected) targets. Order: by name, then id. */
export function planWaves(targets: Target[], strategy: RolloutStrategy, now: number): { waves: RolloutWaveRecord[]; records: RolloutTargetRecord[] } {
  const ordered = [...targets].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  const groups: { kind: RolloutWaveRecord['kind']; members: Target[] }[] = [];
  const canary = Math.min(strategy.canary, ordered.length);
  if (canary > 0) groups.push({ kind: 'canary', members: ordered.slice(0, canary) });
  const size = Math.max(1, Math.ceil((ordered.length * strategy.batch_percent) / 100));
  for (let i = canary; i < ordered.length; i += size) groups.push({ kind: 'wave', members: ordered.slice(i, i + size) });
  const waves = groups.map((g): RolloutWaveRecord => ({
    kind: g.kind, status: 'pending', targetIds: g.members.map((t) => t.id), startedAt: null, settledAt: null, finishedAt: null, alarmChecks: [],
  }));
  const records = groups.flatMap((g, wave) => g.members.map((t): RolloutTargetRecord => ({
    targetId: t.id, targetName: t.name, wave, state: 'pending', deploymentId: null, previousModelId: t.current_model, rollbackDeploymentId: null,
    detail: null, startedAt: null, updatedAt: now,
  })));
  return { waves, records };
}
