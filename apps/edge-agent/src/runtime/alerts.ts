import type { AlertPolicy, EdgeAlertEvent } from '@prometheus/protocol';

// Alerts with hysteresis on the model's threshold: raised after `raise_windows` consecutive windows above
// it, cleared after `clear_windows` consecutive windows below the lower `clear_threshold`, so a score that
// hovers at the threshold raises one alert, not one per window.
export interface AlertState {
  above: number;
  below: number;
  open: { id: string; raised_at: number; peak_score: number } | null;
}

export const initialAlertState = (): AlertState => ({ above: 0, below: 0, open: null });

export interface AlertContext {
  policy: AlertPolicy;
  threshold: number;
  deploymentId: string;
  targetName: string;
}

const fmt = (x: number) => Number(x.toPrecision(4)).toString();

/** One window's score; returns the next state and the alert event it caused, if any. */
export function stepAlert(state: AlertState, ctx: AlertContext, ts: number, score: number): { state: AlertState; event?: EdgeAlertEvent } {
  const { policy, threshold } = ctx;
  if (!state.open) {
    const above = score > threshold ? state.above + 1 : 0;
    if (above < policy.raise_windows) return { state: { above, below: 0, open: null } };
    const open = { id: `${ctx.deploymentId}-${ts}`, raised_at: ts, peak_score: score };
    return {
      state: { above, below: 0, open },
      event: {
        id: open.id, state: 'raised', raised_at: ts, cleared_at: null, peak_score: score, threshold,
        message: `${ctx.targetName}: anomaly score ${fmt(score)} above the threshold ${fmt(threshold)} for ${above} consecutive windows`,
      },
    };
  }
  const open = { ...state.open, peak_score: Math.max(state.open.peak_score, score) };
  const below = score < policy.clear_threshold ? state.below + 1 : 0;
  if (below < policy.clear_windows) return { state: { above: 0, below, open } };
  return {
    state: initialAlertState(),
    event: {
      id: open.id, state: 'cleared', raised_at: open.raised_at, cleared_at: ts, peak_score: open.peak_score, threshold,
      message: `${ctx.targetName}: anomaly cleared (score ${fmt(score)} below ${fmt(policy.clear_threshold)} for ${below} windows; peak ${fmt(open.peak_score)})`,
    },
  };
}

// Outside the trained range: windows whose operating conditions the model never saw (StreamScorer's
// `out_of_range`) are not scored as faults; instead one notice says so, with the same hysteresis, and clears
// when the conditions are back inside. The anomaly hysteresis above does not see those windows at all.
export interface RangeState {
  outside: number;
  inside: number;
  open: { id: string; raised_at: number } | null;
}

export const initialRangeState = (): RangeState => ({ outside: 0, inside: 0, open: null });

/** One window's range verdict (`reason` null = inside); returns the next state and the notice it caused, if any. */
export function stepRange(state: RangeState, ctx: AlertContext, ts: number, reason: string | null): { state: RangeState; event?: EdgeAlertEvent } {
  const { policy, threshold } = ctx;
  const base = { peak_score: 0, threshold, kind: 'out_of_range' as const };
  if (!state.open) {
    const outside = reason ? state.outside + 1 : 0;
    if (!reason || outside < policy.raise_windows) return { state: { outside, inside: 0, open: null } };
    const open = { id: `${ctx.deploymentId}-range-${ts}`, raised_at: ts };
    const message = `${ctx.targetName}: outside the trained range (${reason}); not scored as a fault`;
    return { state: { outside, inside: 0, open }, event: { ...base, id: open.id, state: 'raised', raised_at: ts, cleared_at: null, message: message.slice(0, 500) } };
  }
  const inside = reason ? 0 : state.inside + 1;
  if (inside < policy.clear_windows) return { state: { outside: 0, inside, open: state.open } };
  return {
    state: initialRangeState(),
    event: { ...base, id: state.open.id, state: 'cleared', raised_at: state.open.raised_at, cleared_at: ts, message: `${ctx.targetName}: back inside the trained range; scoring resumed` },
  };
}
