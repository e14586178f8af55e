// What a diagnosis adds to the rules when the request asks: a model's alarms as episodes (fault_condition "model",
// family from the features carrying the error; afdd's modelEpisode), and standing findings against known-normal
// reference days (afdd's applyReference). docs/afdd-rules.md says why each is decided as it is.
import { applyReference, modelEpisode, summariseDays, type AfddInput, type AfddSeries, type AfddSettings, type Diagnosis, type Episode, type PointRole, type ReferenceEpisodes, type StandingFinding } from '@prometheus/afdd';
import type { AlarmEpisode, DiagnosisModelView, DiagnosisReferenceView } from '@prometheus/protocol';

/** A model's alarms over the diagnosed dataset (the evaluations module's scoring). */
export interface ModelAlarmsResult {
  model_id: string;
  threshold: number;
  persistence_minutes: number;
  windows: number;
  out_of_range_windows: number;
  alarms: AlarmEpisode[];
}

/** The reference days as resolved when the diagnosis starts. */
export interface ReferencePlan {
  datasetId: string;
  source: DiagnosisReferenceView['source'];
  from: string | null;
  to: string | null;
}

/** A copy of a series (the runner moves the buffers it is given to its worker). */
export function copySeries(series: AfddSeries): AfddSeries {
  const inputs: AfddSeries['inputs'] = {};
  for (const [name, values] of Object.entries(series.inputs)) inputs[name as AfddInput] = values.slice();
  return { timestamps: Float64Array.from(series.timestamps), inputs };
}

/** Means of every input over [start, end] (ISO), NaN where no reading. */
export function meansOver(series: AfddSeries, start: string, end: string): Partial<Record<AfddInput, number>> {
  const from = Date.parse(start);
  const to = Date.parse(end);
  const t = series.timestamps;
  const out: Partial<Record<AfddInput, number>> = {};
  // Timestamps ascend: the first reading at or after `from` by bisection.
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((t[mid] as number) < from) lo = mid + 1;
    else hi = mid;
  }
  for (const [name, values] of Object.entries(series.inputs)) {
    let sum = 0;
    let n = 0;
    for (let i = lo; i < t.length; i++) {
      if ((t[i] as number) > to) break;
      const v = values[i] as number;
      if (v === v) {
        sum += v;
        n++;
      }
    }
    out[name as AfddInput] = n > 0 ? sum / n : Number.NaN;
  }
  return out;
}

/** The model's alarms as episodes. */
export function modelEpisodes(scored: ModelAlarmsResult, series: AfddSeries, points: readonly PointRole[], minOa: number | null, settings: AfddSettings): Episode[] {
  const inputOf = (feature: string): AfddInput | undefined => points.find((p) => p.column === feature)?.input ?? undefined;
  return scored.alarms.map((a) => modelEpisode(
    { start: a.start, end: a.end, peak_score: a.peak_score, top_features: a.top_features },
    { inputOf, means: meansOver(series, a.start, a.end), minOa, threshold: scored.threshold, persistenceMinutes: scored.persistence_minutes },
    settings,
  ));
}

export const withinRange = (date: string, from: string | null, to: string | null): boolean => (from === null || date >= from) && (to === null || date <= to);

/** Reference days: the reference diagnosis's days inside the plan's range. */
export function referenceOf(plan: ReferencePlan, reference: Pick<Diagnosis, 'days' | 'episodes'>, timeZone: string): ReferenceEpisodes {
  return { dates: reference.days.map((d) => d.date).filter((d) => withinRange(d, plan.from, plan.to)), episodes: reference.episodes, timeZone };
}

const byStart = (a: Episode, b: Episode): number => a.start.localeCompare(b.start) || a.fault_condition.localeCompare(b.fault_condition, 'en', { numeric: true });

/**
 * Rules' episodes (split against the reference when there is one) and model episodes (never standing: the model's
 * threshold was set on its own normal days), with the days summed again over every fault episode.
 */
export function combine(rules: readonly Episode[], model: readonly Episode[], timestamps: ArrayLike<number>, timeZone: string, reference: ReferenceEpisodes | null, settings: AfddSettings): { episodes: Episode[]; days: Diagnosis['days']; standing: StandingFinding[] } {
  const split = reference ? applyReference(rules, timestamps, timeZone, reference, settings) : { episodes: [...rules], standing: [] };
  const episodes = [...split.episodes, ...model].sort(byStart);
  const timed = episodes.map((episode) => ({ episode, startMs: Date.parse(episode.start), endMs: Date.parse(episode.end) }));
  return { episodes, days: summariseDays(timestamps, timed, timeZone), standing: split.standing };
}

export function modelView(scored: ModelAlarmsResult): DiagnosisModelView {
  const { alarms, ...rest } = scored;
  return { ...rest, episodes: alarms.length };
}
