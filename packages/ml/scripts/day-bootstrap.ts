import { percentile, rocAuc } from '../src/index.js';
import { seededRandom } from '../src/model/torch-weights.js';

// How much a window AUC can be trusted when whole days carry the labels: windows of one day are
// not independent samples, so the uncertainty comes from which days happened to be in the test
// set. The bootstrap resamples days (normal and faulty separately, with replacement) and
// recomputes the window AUC of two scorers on the same resampled days.

export interface DayScoreSet {
  day: string;
  faulty: boolean;
  /** Per-window scores of the two methods on the same windows. */
  a: number[];
  b: number[];
  /** Per window, whether the building was occupied at its end (when known). */
  occupied?: boolean[];
}

export interface Interval {
  low: number;
  high: number;
}

export interface BootstrapReport {
  resamples: number;
  a: Interval;
  b: Interval;
  /** AUC(a) - AUC(b), paired on each resample. */
  difference: Interval;
  /** Share of resamples where a's AUC is above b's. */
  share_a_above: number;
}

function interval(values: number[]): Interval {
  return { low: percentile(values, 2.5), high: percentile(values, 97.5) };
}

function windowAuc(days: DayScoreSet[], key: 'a' | 'b'): number {
  const scores = days.flatMap((d) => d[key]);
  const labels = days.flatMap((d) => d[key].map(() => (d.faulty ? 1 : 0)));
  return rocAuc(scores, labels) as number;
}

/** 95% percentile intervals of both AUCs and of their paired difference over day resamples. */
export function dayBootstrap(days: DayScoreSet[], resamples = 1000, seed = 1): BootstrapReport {
  const normal = days.filter((d) => !d.faulty);
  const faulty = days.filter((d) => d.faulty);
  if (normal.length === 0 || faulty.length === 0) throw new Error('the bootstrap needs normal and faulty days');
  const random = seededRandom(seed);
  const draw = (from: DayScoreSet[]): DayScoreSet[] => from.map(() => from[Math.floor(random() * from.length)] as DayScoreSet);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const sample = [...draw(normal), ...draw(faulty)];
    a.push(windowAuc(sample, 'a'));
    b.push(windowAuc(sample, 'b'));
  }
  const difference = a.map((x, i) => x - (b[i] as number));
  return { resamples, a: interval(a), b: interval(b), difference: interval(difference), share_a_above: difference.filter((x) => x > 0).length / resamples };
}

/**
 * Each faulty day's windows against all normal windows: where a window AUC is won or lost.
 * `part` keeps only the faulty day's occupied or unoccupied windows (the normal windows stay whole).
 */
export function perFaultDayAuc(days: DayScoreSet[], key: 'a' | 'b', part?: 'occupied' | 'unoccupied'): { day: string; auc_roc: number | null }[] {
  const normal = days.filter((d) => !d.faulty);
  return days.filter((d) => d.faulty).map((d) => {
    if (!part) return { day: d.day, auc_roc: windowAuc([d, ...normal], key) };
    const keep = (i: number): boolean => d.occupied !== undefined && d.occupied[i] === (part === 'occupied');
    const kept = { ...d, a: d.a.filter((_, i) => keep(i)), b: d.b.filter((_, i) => keep(i)) };
    return { day: d.day, auc_roc: kept.a.length > 0 ? windowAuc([kept, ...normal], key) : null };
  });
}
