// Per calendar day (in the data's own zone): fault minutes, the conditions seen, and the family of the day.
import { FAMILIES, type DiagnosisDay, type Episode, type Family } from './types.js';

export interface TimedEpisode {
  episode: Episode;
  startMs: number;
  endMs: number;
}

const MINUTE = 60_000;
const BLOCK = 15 * MINUTE; // every zone's offset is a multiple of 15 minutes, so a day never splits a block

export function summariseDays(timestamps: ArrayLike<number>, episodes: readonly TimedEpisode[], timeZone: string): DiagnosisDay[] {
  const dayOf = dayKeyer(timeZone);
  const days = new Map<string, { minutes: number; conditions: Set<string>; byFamily: Map<Family, number> }>();
  const day = (key: string) => {
    let d = days.get(key);
    if (!d) days.set(key, (d = { minutes: 0, conditions: new Set(), byFamily: new Map() }));
    return d;
  };
  for (let i = 0; i < timestamps.length; i++) day(dayOf(timestamps[i] as number));
  for (const { episode, startMs, endMs } of episodes) {
    forEachMinute(startMs, endMs, (t, len) => {
      const d = day(dayOf(t));
      d.conditions.add(episode.fault_condition);
      d.byFamily.set(episode.family, (d.byFamily.get(episode.family) ?? 0) + len / MINUTE);
    });
  }
  // Fault minutes are the union of episodes: two conditions at once count once.
  for (const [startMs, endMs] of union(episodes)) forEachMinute(startMs, endMs, (t, len) => (day(dayOf(t)).minutes += len / MINUTE));
  return [...days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([date, d]) => ({
      date,
      minutes: Math.round(d.minutes * 100) / 100,
      fault_conditions: [...d.conditions].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
      family: familyOfDay(d.byFamily),
    }));
}

/**
 * The named family with the most minutes; ties go to the earlier one in FAMILIES. `unknown` says the evidence
 * names no part: it is the day's family only when no episode of the day names one (a model's unranked minutes
 * must not hide what a rule named from the physics).
 */
function familyOfDay(byFamily: Map<Family, number>): Family | null {
  let best: Family | null = null;
  let bestMinutes = 0;
  for (const family of FAMILIES) {
    const m = byFamily.get(family) ?? 0;
    if (family !== 'unknown' && m > bestMinutes) [best, bestMinutes] = [family, m];
  }
  return best ?? ((byFamily.get('unknown') ?? 0) > 0 ? 'unknown' : null);
}

function forEachMinute(startMs: number, endMs: number, visit: (t: number, lengthMs: number) => void): void {
  for (let t = startMs; t < endMs; t += MINUTE) visit(t, Math.min(MINUTE, endMs - t));
}

function union(episodes: readonly TimedEpisode[]): [number, number][] {
  const spans = episodes.map((e) => [e.startMs, e.endMs] as [number, number]).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([...span]);
  }
  return merged;
}

/** YYYY-MM-DD of an instant in `timeZone`, cached per 15-minute block. */
export function dayKeyer(timeZone: string): (t: number) => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const cache = new Map<number, string>();
  return (t) => {
    const block = Math.floor(t / BLOCK);
    let key = cache.get(block);
    if (key === undefined) {
      const parts = format.formatToParts(block * BLOCK);
      const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
      key = `${get('year')}-${get('month')}-${get('day')}`;
      cache.set(block, key);
    }
    return key;
  };
}
