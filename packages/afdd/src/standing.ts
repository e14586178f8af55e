// Standing conditions: a fault condition and family that already fires on the unit's known-normal reference days
// is reported once, as a standing finding, for every episode whose deviation (the mean excess of the rule's
// equation over the episode) is no larger than the largest on the reference days plus one tolerance of the sensor
// the rule judges, however long it lasts (docs/afdd-rules.md, "Standing conditions"). A larger episode, or a pair
// the reference days never showed, stays a fault.
import { dayKeyer, summariseDays, type TimedEpisode } from './days.js';
import { RULES } from './rules-cooling.js';
import type { AfddSettings } from './settings.js';
import type { DiagnosisDay, Episode, Family } from './types.js';

export interface StandingFinding {
  fault_condition: string;
  family: Family;
  /** Why it stands: the reference figures first, then the evidence of its first reference episode. */
  evidence: string[];
  reference: {
    days: number;
    days_present: number;
    /** Information only: how long it held on the longest reference day (duration does not decide). */
    max_minutes_per_day: number;
    /** The largest deviation of its episodes on the reference days, in `unit`. */
    max_deviation: number;
    /** An episode stands while its deviation is at most max_deviation + allowance. */
    allowance: number;
    unit: string;
  };
  /** The days (reference or not) with episodes of this pair reported here instead of as faults: their minutes and largest deviation. */
  days: { date: string; minutes: number; deviation: number }[];
}

export interface ReferenceEpisodes {
  /** The reference days (YYYY-MM-DD in `timeZone`): only episodes touching these count. */
  dates: readonly string[];
  /** Episodes of the rules over (at least) those days, with the same settings. */
  episodes: readonly Episode[];
  timeZone: string;
}

export interface WithStanding {
  episodes: Episode[];
  days: DiagnosisDay[];
  standing: StandingFinding[];
}

interface Bar {
  present: number;
  maxMinutes: number;
  maxDeviation: number;
  allowance: number;
  unit: string;
  first: Episode;
}

const MINUTE = 60_000;
const SIZES = new Map(RULES.map((r) => [r.id, r.size]));
const keyOf = (e: Pick<Episode, 'fault_condition' | 'family'>): string => `${e.fault_condition} ${e.family}`;
const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Minutes per day of some episodes: date -> minutes (an episode across midnight counts on each day it covers). */
function minutesByDay(episodes: readonly Episode[], dayOf: (t: number) => string): Map<string, number> {
  const byDay = new Map<string, number>();
  for (const e of episodes) {
    const end = Date.parse(e.end);
    for (let t = Date.parse(e.start); t < end; t += MINUTE) byDay.set(dayOf(t), (byDay.get(dayOf(t)) ?? 0) + Math.min(MINUTE, end - t) / MINUTE);
  }
  return byDay;
}

/** Per pair present on the reference days: its reference size and the rule's allowance under `settings`. */
function referenceBars(reference: ReferenceEpisodes, settings: AfddSettings): Map<string, Bar> {
  const refDates = new Set(reference.dates);
  const dayOf = dayKeyer(reference.timeZone);
  const byPair = new Map<string, Episode[]>();
  for (const e of reference.episodes) {
    if (!datesOf(e, dayOf).some((d) => refDates.has(d))) continue;
    byPair.set(keyOf(e), [...(byPair.get(keyOf(e)) ?? []), e]);
  }
  const bars = new Map<string, Bar>();
  for (const [key, episodes] of byPair) {
    const size = SIZES.get((episodes[0] as Episode).fault_condition);
    const sized = episodes.filter((e) => typeof e.deviation === 'number');
    if (!size || sized.length === 0) continue;
    const onReference = [...minutesByDay(episodes, dayOf)].filter(([date]) => refDates.has(date)).map(([, m]) => m);
    bars.set(key, {
      present: onReference.length, maxMinutes: Math.max(0, ...onReference),
      maxDeviation: Math.max(...sized.map((e) => e.deviation as number)), allowance: size.allowance(settings), unit: size.unit,
      first: episodes[0] as Episode,
    });
  }
  return bars;
}

/**
 * The diagnosis's episodes split into faults and standing findings against the reference, and its days summed
 * again over the faults alone (`timestamps`: the diagnosed series', so every day of the data is listed;
 * `settings`: the diagnosis's, for the allowances).
 */
export function applyReference(episodes: readonly Episode[], timestamps: ArrayLike<number>, timeZone: string, reference: ReferenceEpisodes, settings: AfddSettings): WithStanding {
  const bars = referenceBars(reference, settings);
  const faults: Episode[] = [];
  const stood = new Map<string, Episode[]>();
  for (const e of episodes) {
    const bar = bars.get(keyOf(e));
    const stands = bar !== undefined && typeof e.deviation === 'number' && e.deviation <= bar.maxDeviation + bar.allowance + 1e-9;
    if (stands) stood.set(keyOf(e), [...(stood.get(keyOf(e)) ?? []), e]);
    else faults.push(e);
  }
  const dayOf = dayKeyer(timeZone);
  const standing = [...stood].map(([key, own]): StandingFinding => {
    const bar = bars.get(key) as Bar;
    const deviationOn = (date: string): number => Math.max(...own.filter((e) => datesOf(e, dayOf).includes(date)).map((e) => e.deviation as number));
    const days = [...minutesByDay(own, dayOf)].sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([date, m]) => ({ date, minutes: round(m, 2), deviation: round(deviationOn(date), 3) }));
    const max = round(bar.maxDeviation, 3);
    return {
      fault_condition: bar.first.fault_condition, family: bar.first.family,
      evidence: [
        `Present on reference days: ${bar.present} of ${reference.dates.length}, at most ${round(bar.maxMinutes, 2)} minutes a day, exceeding the rule's threshold by up to ${max} ${bar.unit} (mean over an episode). Reported once here for every episode that exceeds it by no more than ${round(max + bar.allowance, 3)} ${bar.unit} (one sensor tolerance, ${bar.allowance} ${bar.unit}, above the reference), however long it lasts; a larger one is a fault episode.`,
        ...bar.first.evidence,
      ],
      reference: { days: reference.dates.length, days_present: bar.present, max_minutes_per_day: round(bar.maxMinutes, 2), max_deviation: max, allowance: bar.allowance, unit: bar.unit },
      days,
    };
  }).sort((a, b) => a.fault_condition.localeCompare(b.fault_condition, 'en', { numeric: true }) || a.family.localeCompare(b.family));
  const timed: TimedEpisode[] = faults.map((episode) => ({ episode, startMs: Date.parse(episode.start), endMs: Date.parse(episode.end) }));
  return { episodes: faults, days: summariseDays(timestamps, timed, timeZone), standing };
}

function datesOf(e: Episode, dayOf: (t: number) => string): string[] {
  const dates = new Set<string>();
  const end = Date.parse(e.end);
  for (let t = Date.parse(e.start); t < end; t += 15 * MINUTE) dates.add(dayOf(t));
  dates.add(dayOf(Math.max(Date.parse(e.start), end - 1)));
  return [...dates];
}
