import { describe, expect, it } from 'vitest';
import { initialAlertState, initialRangeState, stepAlert, stepRange, type AlertContext, type AlertState } from './alerts.js';
import { ReadingWindow } from './window.js';

const ctx: AlertContext = { policy: { raise_windows: 3, clear_windows: 2, clear_threshold: 0.8 }, threshold: 1, deploymentId: 'dep_abcdef', targetName: 'AHU-1' };

function run(scores: number[]): { events: { state: string; at: number }[]; state: AlertState } {
  let state = initialAlertState();
  const events: { state: string; at: number }[] = [];
  scores.forEach((s, i) => {
    const step = stepAlert(state, ctx, i, s);
    state = step.state;
    if (step.event) events.push({ state: step.event.state, at: i });
  });
  return { events, state };
}

describe('alert hysteresis', () => {
  it('raises after raise_windows consecutive windows above the threshold, once', () => {
    expect(run([2, 2, 0.5, 2, 2, 2, 3, 5]).events).toEqual([{ state: 'raised', at: 5 }]);
  });

  it('clears only after clear_windows below the lower level, not at the threshold', () => {
    // 0.9 is below the threshold but above clear_threshold: the alert stays.
    const { events } = run([2, 2, 2, 0.9, 0.9, 0.9, 0.5, 0.9, 0.5, 0.5, 2]);
    expect(events).toEqual([{ state: 'raised', at: 2 }, { state: 'cleared', at: 9 }]);
  });

  it('keeps the peak and names the alert by deployment and raise time', () => {
    let state = initialAlertState();
    const out = [2, 3, 2, 7, 0.1, 0.1].map((s, i) => {
      const r = stepAlert(state, ctx, 1000 + i, s);
      state = r.state;
      return r.event;
    }).filter((e) => e !== undefined);
    expect(out[0]).toMatchObject({ id: 'dep_abcdef-1002', state: 'raised', raised_at: 1002, peak_score: 2, threshold: 1 });
    expect(out[1]).toMatchObject({ id: 'dep_abcdef-1002', state: 'cleared', cleared_at: 1005, peak_score: 7 });
    expect(out[0]?.message).toContain('AHU-1');
  });
});

describe('reading window', () => {
  const r = (ts: number, v: number) => ({ ts, values: { a: v, b: v * 2 } });

  it('keeps the newest readings in feature order, ignores replays and restarts after a gap', () => {
    const w = new ReadingWindow(3, 100);
    for (const ts of [10, 20, 30, 40]) w.push(r(ts, ts));
    expect(w.full).toBe(true);
    expect(w.rows(['b', 'a', 'missing'])).toEqual([[40, 20, null], [60, 30, null], [80, 40, null]]);
    expect(w.push(r(40, 1))).toBe(false);
    expect(w.push(r(300, 300))).toBe(true); // a gap of 260 > 100: the window starts again
    expect(w.full).toBe(false);
    w.resize(1, 100);
    expect(w.full).toBe(true);
  });
});

describe('outside the trained range', () => {
  it('says so once after raise_windows windows outside, and clears after clear_windows back inside', () => {
    let state = initialRangeState();
    const reasons = [null, 'oat 40 outside the trained 58 to 89', 'oat 40 outside the trained 58 to 89', 'oat 41 outside the trained 58 to 89', 'oat 42 outside the trained 58 to 89', null, 'oat 45 outside the trained 58 to 89', null, null];
    const events = reasons.map((r, i) => {
      const step = stepRange(state, ctx, 100 + i, r);
      state = step.state;
      return step.event;
    }).flatMap((e, i) => (e ? [{ at: i, ...e }] : []));
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ at: 3, state: 'raised', kind: 'out_of_range', id: 'dep_abcdef-range-103', cleared_at: null });
    expect(events[0]!.message).toBe('AHU-1: outside the trained range (oat 41 outside the trained 58 to 89); not scored as a fault');
    expect(events[1]).toMatchObject({ at: 8, state: 'cleared', kind: 'out_of_range', raised_at: 103, cleared_at: 108 });
    expect(events[1]!.message).toContain('back inside the trained range');
  });
});
