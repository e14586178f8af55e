import { describe, expect, it } from 'vitest';
import { alarmEpisodes, type AlarmInput } from './alarms.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 5);

/** Windows one minute apart; per window the errors of [supply, return, fan]. */
function input(scores: number[], errors: [number, number, number][] | null, segmentStarts: number[] = [0]): AlarmInput {
  return {
    scores, ends: scores.map((_, i) => T0 + i * MINUTE), segmentStarts: new Set(segmentStarts), threshold: 1,
    featureErrors: errors ? Float32Array.from(errors.flat()) : null, features: ['supply', 'return', 'fan'],
  };
}

describe('alarm episodes', () => {
  it('merges consecutive windows above the threshold and names the features carrying their error', () => {
    const { alarms, total } = alarmEpisodes(input(
      [0.5, 2, 3, 0.9, 1.5, 0.2],
      [[0, 0, 0], [6, 3, 1], [2, 1, 1], [9, 9, 9], [0, 1, 3], [5, 5, 5]],
    ));
    expect(total).toBe(2);
    expect(alarms).toEqual([
      // Windows 1-2: supply 8 of 14, return 4, fan 2 (window 3, below the threshold, does not count).
      { start: new Date(T0 + MINUTE).toISOString(), end: new Date(T0 + 2 * MINUTE).toISOString(), windows: 2, peak_score: 3,
        top_features: [{ feature: 'supply', share: 8 / 14 }, { feature: 'return', share: 4 / 14 }, { feature: 'fan', share: 2 / 14 }], rules: [] },
      { start: new Date(T0 + 4 * MINUTE).toISOString(), end: new Date(T0 + 4 * MINUTE).toISOString(), windows: 1, peak_score: 1.5,
        top_features: [{ feature: 'fan', share: 0.75 }, { feature: 'return', share: 0.25 }, { feature: 'supply', share: 0 }], rules: [] },
    ]);
  });

  it('never merges across two recordings, and leaves top features null for probability models', () => {
    const { alarms } = alarmEpisodes(input([2, 2, 2, 2], null, [0, 2]));
    expect(alarms.map((a) => a.windows)).toEqual([2, 2]);
    expect(alarms.every((a) => a.top_features === null)).toBe(true);
  });

  it('lists at most `cap` episodes, the highest peaks, in time order, and counts them all', () => {
    // Episodes alternate with quiet windows: peaks 2, 5, 3, 4 at windows 0, 2, 4, 6.
    const { alarms, total } = alarmEpisodes(input([2, 0, 5, 0, 3, 0, 4], null), 2);
    expect(total).toBe(4);
    expect(alarms.map((a) => a.peak_score)).toEqual([5, 4]);
    expect(alarms.map((a) => a.start)).toEqual([new Date(T0 + 2 * MINUTE).toISOString(), new Date(T0 + 6 * MINUTE).toISOString()]);
    expect(alarmEpisodes(input([0, 0.5, 1], null))).toEqual({ alarms: [], total: 0 });
  });
});
