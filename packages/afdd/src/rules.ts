// Guideline 36 section 5.16 air-handler fault conditions FC1-FC15: each rule's inputs, the operating states it
// judges in, its equation (on rolling means), and the evidence that ranks one family above the broad cause list.
import type { AfddInput } from './inputs.js';
import { mixingBoxVerdict, type MixingBoxTally } from './mixing-box.js';
import type { AfddSettings } from './settings.js';
import type { Family, OperatingState } from './types.js';

/** Rolling means of every input, in canonical units; NaN when missing. */
export type Means = Record<AfddInput, number>;

export interface RuleContext {
  state: OperatingState;
  minOa: number;
  stateChangesLastHour: number;
  /** The mixing-box tally over the alarm delay of the rule being raised (rules with `mixingBox` only). */
  mixingBox?: MixingBoxTally | null;
}

export interface Finding {
  family: Family;
  evidence: string[];
}

export interface Rule {
  id: string;
  /** The states it judges in; 'all' also means the mode delay does not apply. */
  states: readonly OperatingState[] | 'all';
  /** Inputs its equation reads (the state itself additionally needs the valve and damper commands). */
  inputs: readonly AfddInput[];
  /** Why it is skipped when its own inputs are missing, when that says more than the list of inputs. */
  needs?: string;
  /** Compares supply with mixed air: the monitor tallies the mixing-box checks while it is pending. */
  mixingBox?: boolean;
  holds(m: Means, s: AfddSettings, c: RuleContext): boolean;
  explain(m: Means, s: AfddSettings, c: RuleContext): Finding;
  /** How far the condition holds beyond its threshold: a standing finding is judged by its size (standing.ts). */
  size: RuleSize;
}

/**
 * The rule's inequality moved to one side (`excess`, in `unit`: positive while the condition holds; the yes-or-no
 * command parts of FC1, FC7 and FC13 add nothing), and `allowance`: one tolerance of the sensor whose reading the
 * equation puts on trial (docs/afdd-rules.md, "Standing conditions").
 */
export interface RuleSize {
  unit: string;
  excess(m: Means, s: AfddSettings, c: RuleContext): number;
  allowance(s: AfddSettings): number;
}

export const STATE_INPUTS: readonly AfddInput[] = ['heat_valve', 'cool_valve', 'oa_damper'];

const F = (x: number): string => `${x.toFixed(1)} F`;
const pct = (x: number): string => `${Math.round(x * 100)}%`;
const rss = (a: number, b: number): number => Math.sqrt(a * a + b * b);
const finding = (family: Family, ...evidence: string[]): Finding => ({ family, evidence });
const valves = (m: Means): string => `Valve commands: heating ${pct(m.heat_valve)}, cooling ${pct(m.cool_valve)}; outdoor-air damper ${pct(m.oa_damper)}.`;

const FC1: Rule = {
  id: 'FC1',
  states: 'all',
  inputs: ['duct_sp', 'duct_sp_sp', 'fan_speed'],
  holds: (m, s) => m.duct_sp < m.duct_sp_sp - s.eps_dsp && m.fan_speed >= s.fan_full_speed - s.eps_vfdspd,
  size: { unit: 'in. w.c.', excess: (m, s) => m.duct_sp_sp - s.eps_dsp - m.duct_sp, allowance: (s) => s.eps_dsp },
  explain: (m) => finding('fan_pressure',
    `The supply fan runs at ${pct(m.fan_speed)} yet duct static pressure (${m.duct_sp.toFixed(2)} in. w.c.) stays below its set point (${m.duct_sp_sp.toFixed(2)}): the fan cannot make pressure.`,
    'Causes: fan or belt failure, a VFD fault, a duct leak or open access door, or a set point above what the system can reach.'),
};

const FC2: Rule = {
  id: 'FC2',
  states: 'all',
  inputs: ['mat', 'rat', 'oat'],
  holds: (m, s) => m.mat + s.eps_mat < Math.min(m.rat - s.eps_rat, m.oat - s.eps_oat),
  size: { unit: 'F', excess: (m, s) => Math.min(m.rat - s.eps_rat, m.oat - s.eps_oat) - (m.mat + s.eps_mat), allowance: (s) => s.eps_mat },
  explain: (m) => finding('sensor',
    `Mixed air (${F(m.mat)}) is colder than both return (${F(m.rat)}) and outdoor air (${F(m.oat)}) beyond the sensor tolerances: no mix of the two can be that cold, so a temperature sensor reads wrong.`,
    'Check the mixed, return and outdoor air sensors (placement, stratification at the mixing box, calibration).'),
};

const FC3: Rule = {
  id: 'FC3',
  states: 'all',
  inputs: ['mat', 'rat', 'oat'],
  holds: (m, s) => m.mat - s.eps_mat > Math.max(m.rat + s.eps_rat, m.oat + s.eps_oat),
  size: { unit: 'F', excess: (m, s) => m.mat - s.eps_mat - Math.max(m.rat + s.eps_rat, m.oat + s.eps_oat), allowance: (s) => s.eps_mat },
  explain: (m) => finding('sensor',
    `Mixed air (${F(m.mat)}) is warmer than both return (${F(m.rat)}) and outdoor air (${F(m.oat)}) beyond the sensor tolerances: no mix of the two can be that warm, so a temperature sensor reads wrong.`,
    'Check the mixed, return and outdoor air sensors (placement, stratification at the mixing box, calibration).'),
};

const FC4: Rule = {
  id: 'FC4',
  states: 'all',
  inputs: STATE_INPUTS,
  holds: (_m, s, c) => c.stateChangesLastHour > s.max_state_changes_per_hour,
  size: { unit: 'state changes an hour', excess: (_m, s, c) => c.stateChangesLastHour - s.max_state_changes_per_hour, allowance: () => 1 },
  explain: (_m, s, c) => finding('control',
    `The operating state changed ${c.stateChangesLastHour} times in the last hour (limit ${s.max_state_changes_per_hour}): the control loops hunt between heating, economizing and cooling.`,
    'Causes: loop tuning, overlapping set points or dead bands, or a sensor that jumps.'),
};

const FC5: Rule = {
  id: 'FC5',
  states: ['OS1'],
  inputs: ['sat', 'mat'],
  mixingBox: true,
  holds: (m, s) => m.sat + s.eps_sat <= m.mat - s.eps_mat + s.fan_heat,
  size: { unit: 'F', excess: (m, s) => m.mat - s.eps_mat + s.fan_heat - (m.sat + s.eps_sat), allowance: (s) => s.eps_sat },
  explain: (m, s, c) => {
    const facts = `Heating is commanded (${pct(m.heat_valve)}) but supply air (${F(m.sat)}) is ${F(m.mat + s.fan_heat - m.sat)} below mixed air (${F(m.mat)}) plus fan heat.`;
    return rankSupplyMixed(m, s, c, () => finding('cooling_valve',
      'The air cools across the coils although heating is commanded and the cooling valve shut: a heating valve that fails shut would only leave supply air at mixed air plus fan heat, so something cools the air, most likely a leaking or stuck-open cooling valve.',
      facts, 'Also possible: a supply or mixed air sensor offset.'));
  },
};

/**
 * The ranking of a supply-versus-mixed condition: mixed air beyond FC2/FC3 now, then the mixing-box majorities over
 * the alarm delay (sensor, then damper), then the valve the physics of the rule names (`valve`).
 */
export function rankSupplyMixed(m: Means, s: AfddSettings, c: RuleContext, valve: () => Finding): Finding {
  const suspect = mixedAirSuspect(m, s);
  if (suspect) return suspect;
  const v = valve();
  if (!c.mixingBox) return v;
  const verdict = mixingBoxVerdict(c.mixingBox, s);
  if (!verdict.family) return { family: v.family, evidence: [...v.evidence, ...verdict.evidence] };
  const [first = '', ...rest] = v.evidence;
  return finding(verdict.family, ...verdict.evidence, `Ranked lower, the valves' reading: ${first}`, ...rest);
}

/**
 * When mixed air reads outside what return and outdoor air allow (the FC2/FC3 equations), a supply-versus-mixed
 * comparison says more about the mixed air sensor than about a valve.
 */
export function mixedAirSuspect(m: Means, s: AfddSettings): Finding | null {
  if (!(FC2.holds(m, s, NO_CONTEXT) || FC3.holds(m, s, NO_CONTEXT))) return null;
  return finding('sensor',
    `Mixed air (${F(m.mat)}) reads outside the range return (${F(m.rat)}) and outdoor air (${F(m.oat)}) allow, so the temperature change across the coils cannot be trusted: check the mixed air sensor first.`,
    valves(m));
}

const NO_CONTEXT: RuleContext = { state: 'OS5', minOa: Number.NaN, stateChangesLastHour: 0 };

// FC6 compares the outdoor-air fraction the temperatures imply with the minimum outdoor-airflow set point over
// the measured supply airflow (the Guideline's %OA_min; open-fdd: design minimum OA cfm / supply fan airflow).
// A damper position is no substitute (damper authority is not linear), so without airflow points FC6 is skipped.
const FC6: Rule = {
  id: 'FC6',
  states: ['OS1', 'OS4'],
  inputs: ['mat', 'rat', 'oat', 'sa_flow', 'oa_flow_min_sp'],
  needs: 'needs outdoor and supply airflow: the Guideline compares the outdoor-air fraction with the minimum outdoor-airflow set point over the measured supply airflow, and a damper position is no substitute',
  holds: (m, s) => {
    if (!(Math.abs(m.rat - m.oat) >= s.dt_min && m.sa_flow > 0)) return false;
    return Math.abs(oaFraction(m) - minOaFraction(m)) > s.eps_f;
  },
  size: { unit: 'of outdoor-air fraction', excess: (m, s) => Math.abs(oaFraction(m) - minOaFraction(m)) - s.eps_f, allowance: (s) => s.eps_f },
  explain: (m) => finding('oa_damper',
    `At minimum outdoor air the mixed air temperature puts the outdoor-air fraction at ${pct(oaFraction(m))}, not the ${pct(minOaFraction(m))} the minimum outdoor-airflow set point (${Math.round(m.oa_flow_min_sp)} cfm of ${Math.round(m.sa_flow)} cfm supply) calls for: the outdoor-air damper does not hold its minimum (stuck, slipped linkage, leaking) or the airflow station reads wrong.`,
    `Mixed ${F(m.mat)}, return ${F(m.rat)}, outdoor ${F(m.oat)}; damper commanded ${pct(m.oa_damper)}.`,
    'Also possible: a mixed, return or outdoor air sensor offset.'),
};

/** %OA_min: the minimum outdoor-airflow set point over the measured supply airflow. */
export function minOaFraction(m: Means): number {
  return m.oa_flow_min_sp / m.sa_flow;
}

/** (MAT - RAT) / (OAT - RAT): the share of outdoor air the temperatures imply. */
export function oaFraction(m: Means): number {
  return (m.mat - m.rat) / (m.oat - m.rat);
}

const FC7: Rule = {
  id: 'FC7',
  states: ['OS1'],
  inputs: ['sat', 'sat_sp', 'heat_valve'],
  holds: (m, s) => m.sat < m.sat_sp - s.eps_sat && m.heat_valve >= s.valve_full_open,
  size: { unit: 'F', excess: (m, s) => m.sat_sp - s.eps_sat - m.sat, allowance: (s) => s.eps_sat },
  explain: (m) => finding('heating_valve',
    `The heating valve is commanded fully open (${pct(m.heat_valve)}) and supply air (${F(m.sat)}) still stays below its set point (${F(m.sat_sp)}): the heating coil does not deliver.`,
    'Causes: valve stuck shut or undersized, no hot water, a fouled coil.'),
};

export const BASE_RULES: readonly Rule[] = [FC1, FC2, FC3, FC4, FC5, FC6, FC7];
export { F, pct, rss, finding, valves };
