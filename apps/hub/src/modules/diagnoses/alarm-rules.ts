import type { Episode } from '@prometheus/afdd';
import type { AlarmEpisode, AlarmRulesStatus, SkippedRuleView } from '@prometheus/protocol';

type AlarmRules = AlarmEpisode['rules'];

/** An evaluation's alarms with the rules that fired during each, why they are or are not named, and what could not run. */
export interface AlarmAnnotation {
  alarms: AlarmEpisode[];
  rules_status: AlarmRulesStatus;
  skipped_rules: SkippedRuleView[] | null;
}

const MINUTE = 60_000;

const byCondition = (a: { fault_condition: string }, b: { fault_condition: string }) =>
  a.fault_condition.localeCompare(b.fault_condition, 'en', { numeric: true });

/**
 * The rules that fired during an alarm: every fault condition with an episode overlapping the alarm's span
 * (an episode ends at the first reading where it no longer held; touching ends count), once per condition and
 * family, with the minutes of the span it held (0 when they only touch, or for a one-window alarm, whose span is
 * a single reading).
 */
export function rulesDuring(episodes: readonly Episode[], alarm: Pick<AlarmEpisode, 'start' | 'end'>): AlarmRules {
  const from = Date.parse(alarm.start);
  const to = Date.parse(alarm.end);
  const seen = new Map<string, AlarmRules[number] & { minutes_overlap: number }>();
  for (const e of episodes) {
    const start = Date.parse(e.start);
    const end = Date.parse(e.end);
    if (start > to || end < from) continue;
    const key = `${e.fault_condition} ${e.family}`;
    const rule = seen.get(key) ?? { fault_condition: e.fault_condition, family: e.family, minutes_overlap: 0 };
    // One condition holds one episode at a time, so its overlaps add up without counting a minute twice.
    rule.minutes_overlap += (Math.min(end, to) - Math.max(start, from)) / MINUTE;
    seen.set(key, rule);
  }
  return [...seen.values()].map((r) => ({ ...r, minutes_overlap: Math.round(r.minutes_overlap * 100) / 100 })).sort(byCondition);
}
