// A learned model's alarm as a diagnosis episode: the family ranked from the features that carry its
// reconstruction error and the rules' physics (docs/afdd-rules.md, "Episodes from a learned model").
import type { AfddInput } from './inputs.js';
import type { AfddSettings } from './settings.js';
import { operatingState } from './states.js';
import type { Episode, Family, OperatingState } from './types.js';

export interface ModelAlarm {
  /** ISO UTC: the first and last window end above the threshold. */
  start: string;
  end: string;
  peak_score: number;
  /** Features carrying most of the error, largest first (null: the model gives none). */
  top_features: { feature: string; share: number }[] | null;
}

export interface ModelAlarmContext {
  /** The AFDD input each feature column is mapped to (point map); absent: not mapped. */
  inputOf: (feature: string) => AfddInput | undefined;
  /** Means of the mapped inputs over the alarm's span, canonical units (NaN or absent: missing). */
  means: Partial<Record<AfddInput, number>>;
  /** Minimum outdoor-air position in use (null: unknown, then the state is OS5). */
  minOa: number | null;
  threshold: number;
  persistenceMinutes: number;
}

const pct = (x: number | undefined): string => (x === undefined || !(x === x) ? 'n/a' : `${Math.round(x * 100)}%`);
const F = (x: number | undefined): string => (x === undefined || !(x === x) ? 'n/a' : `${x.toFixed(1)} F`);
const shut = (x: number | undefined, s: AfddSettings): boolean => x !== undefined && x <= s.valve_closed;
const open = (x: number | undefined, s: AfddSettings): boolean => x !== undefined && x > s.valve_closed;

/** Why a lead input points at a family, given the means over the alarm. */
function familyOf(input: AfddInput, m: ModelAlarmContext['means'], s: AfddSettings): { family: Family; why: string } {
  switch (input) {
    case 'cool_valve':
      if (shut(m.heat_valve, s)) return { family: 'heating_valve', why: 'The cooling valve carries the error: it works unlike on the training days under the same outdoor and set-point conditions while heating is commanded shut. Extra cooling that holds supply air at set point is what a leaking heating valve, compensated by the cooling loop, looks like; the rules see nothing then, because no temperature leaves its tolerance.' };
      if (open(m.heat_valve, s)) return { family: 'control', why: 'The cooling valve carries the error while heating is commanded too: the two loops fight (sequence, dead band, loop tuning).' };
      return { family: 'cooling_valve', why: 'The cooling valve carries the error (the heating valve is not mapped): the cooling coil or its valve acts unlike on the training days.' };
    case 'heat_valve':
      if (shut(m.cool_valve, s)) return { family: 'cooling_valve', why: 'The heating valve carries the error: it works unlike on the training days while cooling is commanded shut. Extra heating that holds supply air at set point is what a leaking cooling valve, compensated by the heating loop, looks like.' };
      if (open(m.cool_valve, s)) return { family: 'control', why: 'The heating valve carries the error while cooling is commanded too: the two loops fight (sequence, dead band, loop tuning).' };
      return { family: 'heating_valve', why: 'The heating valve carries the error (the cooling valve is not mapped): the heating coil or its valve acts unlike on the training days.' };
    case 'oa_damper':
    case 'mat': {
      const { mat, rat, oat } = m;
      const span = oat !== undefined && rat !== undefined ? oat - rat : Number.NaN;
      const fraction = mat !== undefined && rat !== undefined ? (mat - rat) / span : Number.NaN;
      const outside = Math.abs(span) >= s.dt_min && (fraction <= 0 || fraction >= 1);
      if (input === 'mat' && outside) return { family: 'sensor', why: 'Mixed air carries the error and reads outside the range between return and outdoor air over the alarm: the mixed-air sensor does not read the mix.' };
      return { family: 'oa_damper', why: `${input === 'mat' ? 'Mixed air' : 'The outdoor-air damper command'} carries the error: the mixing box behaves unlike on the training days (a damper that does not follow its command changes the mix the commands would predict).` };
    }
    case 'rat':
    case 'ccet': case 'cclt': case 'hcet': case 'hclt':
      return { family: 'sensor', why: `A measured temperature (${input}) carries the error while the commands behave as trained: a sensor drift or offset is the first suspect.` };
    case 'fan_speed': case 'fan_status': case 'duct_sp': case 'sa_flow':
      return { family: 'fan_pressure', why: `The fan or duct pressure (${input}) carries the error: the fan works unlike on the training days for the same conditions.` };
    case 'sat_sp': case 'duct_sp_sp': case 'oa_flow_min_sp':
      return { family: 'control', why: `A set point or schedule (${input}) carries the error: the control sequence behaves unlike on the training days.` };
    default:
      return { family: 'unknown', why: `${input} carries the error.` };
  }
}

/**
 * Inputs that name no part: supply air is what the loops hold; outdoor air and occupancy are conditions the unit
 * is run under (weather, schedule), which the air handler does not act on.
 */
const NOT_A_LEAD: ReadonlySet<AfddInput> = new Set<AfddInput>(['sat', 'oat', 'occupied']);

/**
 * An episode (fault_condition "model") from a model's alarm. The lead is the first top feature mapped to an AFDD
 * input other than supply air temperature: supply air is what the loops hold, so its error says a loop could not
 * hold it, not which part failed; the commands and the other temperatures say which.
 */
export function modelEpisode(alarm: ModelAlarm, ctx: ModelAlarmContext, s: AfddSettings): Episode {
  const m = ctx.means;
  const features = alarm.top_features ?? [];
  const mapped = features.map((f) => ({ ...f, input: ctx.inputOf(f.feature) }));
  const lead = mapped.find((f) => f.input !== undefined && !NOT_A_LEAD.has(f.input));
  const { family, why } = lead?.input
    ? familyOf(lead.input, m, s)
    : { family: 'unknown' as Family, why: features.length === 0 ? 'The model does not say which features carry its error.' : 'The features carrying the error name no part: supply air temperature (what the loops hold), outdoor air or occupancy (conditions the unit runs under), or columns not mapped to AFDD inputs.' };
  const startMs = Date.parse(alarm.start);
  const endMs = Date.parse(alarm.end);
  const fanOn = (m.fan_status !== undefined && m.fan_status === m.fan_status) ? m.fan_status >= 0.5 : (m.fan_speed ?? Number.NaN) > s.fan_on_speed;
  const state: OperatingState = (fanOn && ctx.minOa !== null
    ? operatingState({ heat: m.heat_valve ?? Number.NaN, cool: m.cool_valve ?? Number.NaN, damper: m.oa_damper ?? Number.NaN }, ctx.minOa, s)
    : null) ?? 'OS5';
  const listed = mapped.map((f) => `${f.feature}${f.input ? ` (${f.input})` : ''} ${pct(f.share)}`).join(', ');
  return {
    fault_condition: 'model', family, start: alarm.start, end: alarm.end, minutes: Math.max(0, (endMs - startMs) / 60_000), operating_state: state,
    evidence: [
      why,
      `Features carrying the error: ${listed || 'not reported'}.`,
      `Over the alarm: heating ${pct(m.heat_valve)}, cooling ${pct(m.cool_valve)}, damper ${pct(m.oa_damper)}; supply ${F(m.sat)} (set point ${F(m.sat_sp)}), mixed ${F(m.mat)}, return ${F(m.rat)}, outdoor ${F(m.oat)}.`,
      `Model score peaked at ${alarm.peak_score.toPrecision(3)} against its threshold ${ctx.threshold.toPrecision(3)} (after its ${ctx.persistenceMinutes}-minute persistence; windows outside its training conditions are never alarms).`,
    ],
    top_features: alarm.top_features ?? [],
    peak_score: alarm.peak_score,
  };
}
