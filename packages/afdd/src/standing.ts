// Standing conditions: a fault condition and family that already fires on the unit's known-normal reference days
// is reported once, as a standing finding, on every day it holds no longer than on the longest reference day,
// instead of as a new fault episode each day (docs/afdd-rules.md, "Standing conditions"). Longer than every
// reference day, or a pair the reference days never showed, stays a fault.
import { dayKeyer, summariseDays, type TimedEpisode } from './days.js';
import type { DiagnosisDay, Episode, Family } from './types.js';

export interface StandingFinding {
  fault_condition: string;
  family: Family;
  /** Why it stands: the reference figures first, then the evidence of its first reference episode. */
  evidence: string[];
  reference: { days: number; days_present: number; max_minutes_per_day: number };
  /** The days (reference or not) whose episodes of this pair are reported here instead of as faults. */
  days: { date: string; minutes: number }[];
}

export interface ReferenceEpisodes {
  /** The reference days (YYYY-MM-DD in `timeZone`): only minutes on these count. */
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

const MINUTE = 60_000;
const keyOf = (e: Pick<Episode, 'fault_condition' | 'family'>): string => `${e.fault_condition} ${e.family}`;

/** Minutes per pair per day: pair -> date -> minutes (an episode across midnight counts on each day it covers). */
function minutesByDay(episodes: readonly Episode[], timeZone: string): Map<string, Map<string, number>> {
  const dayOf = dayKeyer(timeZone);
  const out = new Map<string, Map<string, number>>();
  for (const e of episodes) {
    const byDay = out.get(keyOf(e)) ?? new Map<string, number>();
    out.set(keyOf(e), byDay);
    const end = Date.parse(e.end);
    for (let t = Date.parse(e.start); t < end; t += MINUTE) {
      const date = dayOf(t);
      byDay.set(date, (byDay.get(date) ?? 0) + Math.min(MINUTE, end - t) / MINUTE);
    }
  }
  return out;
}

/**
 * The diagnosis's episodes split into faults and standing findings against the reference, and its days summed
 * again over the faults alone (`timestamps`: the diagnosed series', so every day of the data is listed).
 */
export function applyReference(episodes: readonly Episode[], timestamps: ArrayLike<number>, timeZone: string, reference: ReferenceEpisodes): WithStanding {
  const refDates = new Set(reference.dates);
  const refMinutes = minutesByDay(reference.episodes, reference.timeZone);
  const refDayOf = dayKeyer(reference.timeZone);
  const bar = new Map<string, { present: number; max: number; first: Episode }>();
  for (const [key, byDay] of refMinutes) {
    const onReference = [...byDay].filter(([date]) => refDates.has(date)).map(([, m]) => m);
    const first = reference.episodes.find((x) => keyOf(x) === key && datesOf(x, refDayOf).some((d) => refDates.has(d)));
    if (onReference.length > 0 && first) bar.set(key, { present: onReference.length, max: Math.max(...onReference), first });
  }
  const dayOf = dayKeyer(timeZone);
  const ownMinutes = minutesByDay(episodes, timeZone);
  const standingDays = new Map<string, Map<string, number>>();
  const faults: Episode[] = [];
  for (const e of episodes) {
    const key = keyOf(e);
    const limit = bar.get(key);
    const byDay = ownMinutes.get(key) as Map<string, number>;
    const covered = datesOf(e, dayOf);
    // Standing only when every day the episode touches stays within the longest reference day.
    const stands = limit !== undefined && covered.every((date) => (byDay.get(date) ?? 0) <= limit.max + 1e-9);
    if (!stands) {
      faults.push(e);
      continue;
    }
    const days = standingDays.get(key) ?? new Map<string, number>();
    standingDays.set(key, days);
    for (const date of covered) days.set(date, byDay.get(date) ?? 0);
  }
  const standing = [...standingDays].map(([key, days]) => {
    const { present, max, first } = bar.get(key) as { present: number; max: number; first: Episode };
    const minutes = Math.round(max * 100) / 100;
    return {
      fault_condition: first.fault_condition, family: first.family,
      evidence: [
        `Present on reference days: ${present} of ${refDates.size}, at most ${minutes} minutes a day. Reported once here on every day it holds no longer than that; a day on which it holds longer is a fault episode.`,
        ...first.evidence,
      ],
      reference: { days: refDates.size, days_present: present, max_minutes_per_day: minutes },
      days: [...days].sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, m]) => ({ date, minutes: Math.round(m * 100) / 100 })),
    };
  }).sort((a, b) => a.fault_condition.localeCompare(b.fault_condition, 'en', { numeric: true }));
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
