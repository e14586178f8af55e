import { INPUT_UNITS, type AfddInput, type AfddSeries } from '@prometheus/afdd';
import type { DiagnosisDaySeries } from '@prometheus/protocol';

// One day of what a diagnosis read, for the console's chart under the episodes: the same read and the same
// units as the rules, cut to the day of the diagnosis's own calendar.
const MAX_POINTS = 2880;

function dayKey(timeZone: string): (t: number) => string {
  const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return (t) => format.format(t);
}

/** First index whose day is not before `date` (timestamps ascending; YYYY-MM-DD sorts as text). */
function firstOnOrAfter(ts: ArrayLike<number>, key: (t: number) => string, date: string): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(ts[mid]!) < date) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function daySeries(series: AfddSeries, inputs: Partial<Record<AfddInput, string>>, timeZone: string, date: string): DiagnosisDaySeries {
  const key = dayKey(timeZone);
  const ts = series.timestamps;
  const from = firstOnOrAfter(ts, key, date);
  let to = from;
  while (to < ts.length && key(ts[to]!) === date) to += 1;
  const step = Math.max(1, Math.ceil((to - from) / MAX_POINTS));
  const picks: number[] = [];
  for (let i = from; i < to; i += step) picks.push(i);
  return {
    date, time_zone: timeZone,
    t: picks.map((i) => ts[i]!),
    series: (Object.entries(series.inputs) as [AfddInput, Float64Array][]).map(([input, values]) => ({
      input, column: inputs[input] ?? input, unit: INPUT_UNITS[input][0] ?? '',
      values: picks.map((i) => (Number.isFinite(values[i]) ? values[i]! : null)),
    })),
  };
}
