// A whole series through the same RuleMonitor the edge runs: episodes, per-day summary, skipped rules.
import { AFDD_INPUTS } from './inputs.js';
import { MinOaEstimator, qualifiesForMinOa } from './min-oa.js';
import { RuleMonitor, type ClearedFault } from './monitor.js';
import { DEFAULT_AFDD_SETTINGS, type AfddSettings } from './settings.js';
import { fanProvenOn } from './states.js';
import { summariseDays, type TimedEpisode } from './days.js';
import { applyReference, type ReferenceEpisodes } from './standing.js';
import type { AfddSeries, Diagnosis, Episode, MinOa } from './types.js';

export interface DiagnoseOptions {
  /** IANA zone of the data's calendar for `days` (default UTC). */
  timeZone?: string;
  /**
   * Known-normal reference days: dates of this series (its own episodes on them are the reference), or another
   * series' diagnosis. Pairs present there become standing findings (standing.ts).
   */
  reference?: { dates: readonly string[] } | ReferenceEpisodes;
}

/**
 * Every rule over a whole series. Timestamps must ascend (a repeated or earlier one is skipped, as at the edge);
 * every input column must be as long as the timestamps (RangeError naming it otherwise).
 */
export function diagnoseSeries(series: AfddSeries, settings: AfddSettings = DEFAULT_AFDD_SETTINGS, options: DiagnoseOptions = {}): Diagnosis {
  for (const [name, values] of Object.entries(series.inputs)) {
    if (values && values.length !== series.timestamps.length) throw new RangeError(`input ${name} has ${values.length} values for ${series.timestamps.length} timestamps`);
  }
  const available = AFDD_INPUTS.filter((name) => hasData(series.inputs[name]));
  const minOa = resolveMinOa(series, settings);
  const monitor = new RuleMonitor({ ...settings, min_oa_fraction: minOa.fraction }, available);
  const columns = AFDD_INPUTS.map((name) => (available.includes(name) ? (series.inputs[name] as Float64Array) : null));
  const raw = new Float64Array(AFDD_INPUTS.length);
  const episodes: TimedEpisode[] = [];
  const n = series.timestamps.length;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < columns.length; k++) raw[k] = columns[k]?.[i] ?? Number.NaN;
    const { cleared } = monitor.step(series.timestamps[i] as number, raw);
    for (const fault of cleared) episodes.push(toEpisode(fault));
  }
  if (n > 0) for (const fault of monitor.restart(series.timestamps[n - 1] as number)) episodes.push(toEpisode(fault));
  episodes.sort((a, b) => a.startMs - b.startMs || a.episode.fault_condition.localeCompare(b.episode.fault_condition, 'en', { numeric: true }));
  const skipped = monitor.skippedRules();
  if (minOa.source === 'unavailable') {
    const reason = 'the minimum outdoor-air position is unknown: not configured and no damper readings with the fan on';
    for (const rule of ['FC4', 'FC5', 'FC6', 'FC7', 'FC8', 'FC9', 'FC10', 'FC11', 'FC12', 'FC13', 'FC14', 'FC15']) {
      if (!skipped.some((s) => s.fault_condition === rule)) skipped.push({ fault_condition: rule, reason });
    }
  }
  const timeZone = options.timeZone ?? 'UTC';
  const all = episodes.map((e) => e.episode);
  const ref = options.reference;
  const judged = ref
    ? applyReference(all, series.timestamps, timeZone, 'episodes' in ref ? ref : { dates: ref.dates, episodes: all, timeZone }, settings)
    : { episodes: all, days: summariseDays(series.timestamps, episodes, timeZone), standing: [] };
  return {
    ...judged,
    reference_days: ref ? [...ref.dates] : null,
    skipped_rules: skipped,
    min_oa: minOa,
    settings,
  };
}

function hasData(values: Float64Array | undefined): boolean {
  if (!values) return false;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) return true;
  return false;
}

/** Configured, or estimated over the whole series (fan on and, when known, occupied), so every row judges alike. */
export function resolveMinOa(series: AfddSeries, settings: AfddSettings): MinOa {
  if (settings.min_oa_fraction !== null) return { fraction: settings.min_oa_fraction, source: 'configured' };
  const { oa_damper: damper, fan_status: status, fan_speed: speed, occupied } = series.inputs;
  if (!damper) return { fraction: null, source: 'unavailable' };
  const estimator = new MinOaEstimator();
  for (let i = 0; i < damper.length; i++) {
    const fanOn = fanProvenOn(status?.[i] ?? Number.NaN, speed?.[i] ?? Number.NaN, settings);
    if (qualifiesForMinOa(fanOn, occupied?.[i] ?? Number.NaN)) estimator.add(damper[i] as number);
  }
  const fraction = estimator.estimate(settings.min_oa_percentile);
  return fraction === null ? { fraction: null, source: 'unavailable' } : { fraction, source: 'estimated' };
}

function toEpisode(fault: ClearedFault): TimedEpisode {
  const startMs = Date.parse(fault.since);
  const endMs = Date.parse(fault.until);
  const episode: Episode = {
    fault_condition: fault.fault_condition,
    family: fault.family,
    start: fault.since,
    end: fault.until,
    minutes: (endMs - startMs) / 60_000,
    operating_state: fault.operating_state,
    evidence: fault.evidence,
    deviation: fault.deviation,
  };
  return { episode, startMs, endMs };
}

