import type { RolloutSummary } from '@prometheus/protocol';
import { Badge } from '../../ui/kit.js';

const TONE: Record<string, 'ok' | 'warn' | 'bad' | 'neutral' | 'info'> = {
  running: 'info', paused: 'warn', completed: 'ok', halted: 'bad', aborted: 'neutral',
  pending: 'neutral', deploying: 'info', deployed: 'ok', failed: 'bad', rolling_back: 'warn', rolled_back: 'warn', skipped: 'neutral', offline: 'warn',
  observing: 'info', done: 'ok',
};

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={TONE[status] ?? 'neutral'}>{status.replace('_', ' ')}</Badge>;
}

/** Deployed of total, with what went wrong beside it. */
export function RolloutBar({ counts }: { counts: RolloutSummary['counts'] }) {
  const bad = counts.failed + counts.rolled_back;
  return (
    <div data-testid="rollout-progress" data-deployed={counts.deployed} data-total={counts.total}>
      <progress max={counts.total} value={counts.deployed} /> {counts.deployed} of {counts.total} deployed
      {counts.in_progress ? <span class="muted"> · {counts.in_progress} in progress</span> : null}
      {bad ? <span class="muted"> · {bad} failed{counts.rolled_back ? ` (${counts.rolled_back} rolled back)` : ''}</span> : null}
      {counts.skipped + counts.offline ? <span class="muted"> · {counts.skipped + counts.offline} skipped/offline</span> : null}
    </div>
  );
}
