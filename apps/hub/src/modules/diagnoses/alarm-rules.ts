import type { Episode } from '@prometheus/afdd';
import type { AlarmEpisode } from '@prometheus/protocol';

type AlarmRules = AlarmEpisode['rules'];

const byCondition = (a: { fault_condition: string }, b: { fault_condition: string }) =>
  a.fault_condition.localeCompare(b.fault_condition, 'en', { numeric: true });

/**
 * The rules that fired during an alarm: every fault condition with an episode overlapping the alarm's span
 * (an episode ends at the first reading where it no longer held), once per condition and family.
 */
export function rulesDuring(episodes: readonly Episode[], alarm: Pick<AlarmEpisode, 'start' | 'end'>): AlarmRules {
  const from = Date.parse(alarm.start);
  const to = Date.parse(alarm.end);
  const seen = new Map<string, AlarmRules[number]>();
  for (const e of episodes) {
    if (Date.parse(e.start) > to || Date.parse(e.end) < from) continue;
    seen.set(`${e.fault_condition} ${e.family}`, { fault_condition: e.fault_condition, family: e.family });
  }
  return [...seen.values()].sort(byCondition);
}
