import type { Episode } from '@prometheus/afdd';
import { describe, expect, it } from 'vitest';
import { rulesDuring } from './alarm-rules.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 5, 8, minute)).toISOString();
const episode = (fault_condition: string, family: Episode['family'], from: number, to: number): Episode => ({
  fault_condition, family, start: at(from), end: at(to), minutes: to - from, operating_state: 'OS2', evidence: [],
});

describe('rules that fired during an alarm', () => {
  const episodes = [
    episode('FC12', 'heating_valve', 10, 40), episode('FC2', 'sensor', 30, 50), episode('FC12', 'heating_valve', 45, 55), episode('FC8', 'cooling_valve', 45, 46),
  ];

  it('lists each overlapping condition once, in condition order, touching ends included, with the minutes it held', () => {
    expect(rulesDuring(episodes, { start: at(35), end: at(45) })).toEqual([
      { fault_condition: 'FC2', family: 'sensor', minutes_overlap: 10 },
      { fault_condition: 'FC8', family: 'cooling_valve', minutes_overlap: 0 },
      { fault_condition: 'FC12', family: 'heating_valve', minutes_overlap: 5 },
    ]);
    expect(rulesDuring(episodes, { start: at(0), end: at(10) })).toEqual([{ fault_condition: 'FC12', family: 'heating_valve', minutes_overlap: 0 }]);
    // Two episodes of one condition add up: 35-40 and 45-50.
    expect(rulesDuring(episodes, { start: at(35), end: at(50) }).find((r) => r.fault_condition === 'FC12')?.minutes_overlap).toBe(10);
    expect(rulesDuring(episodes, { start: at(56), end: at(90) })).toEqual([]);
    expect(rulesDuring(episodes, { start: at(0), end: at(9) })).toEqual([]);
  });
});
