// Test data builders: minute-by-minute readings in canonical units, and the healthy state of each mode.
import { AFDD_INPUTS, diagnoseSeries, parseAfddSettings, type AfddInput, type AfddSeries, type Diagnosis } from '../src/index.js';

export type Reading = Partial<Record<AfddInput, number>>;

export const T0 = Date.UTC(2026, 5, 1, 0, 0);
export const MINUTE = 60_000;

/** One reading per minute from T0. */
export function seriesOf(rows: readonly Reading[]): AfddSeries {
  const inputs: Partial<Record<AfddInput, Float64Array>> = {};
  for (const name of AFDD_INPUTS) {
    if (rows.some((r) => r[name] !== undefined)) inputs[name] = Float64Array.from(rows, (r) => r[name] ?? Number.NaN);
  }
  return { timestamps: rows.map((_, i) => T0 + i * MINUTE), inputs };
}

export const repeat = (reading: Reading, minutes: number): Reading[] => Array.from({ length: minutes }, () => ({ ...reading }));

// Supply airflow 5,000 cfm against a minimum outdoor-airflow set point of 1,000: %OA_min 0.2, as the damper minimum.
const COMMON: Reading = { fan_status: 1, fan_speed: 0.6, occupied: 1, duct_sp: 1.2, duct_sp_sp: 1.2, sa_flow: 5000, oa_flow_min_sp: 1000 };

/** Healthy readings for each state, with min_oa_fraction 0.2 (mixed air follows the damper). */
export const HEALTHY = {
  // mat = rat + 0.2 (oat - rat); sat = mat + fan heat + heating rise
  OS1: { ...COMMON, heat_valve: 0.5, cool_valve: 0, oa_damper: 0.2, oat: 40, rat: 70, mat: 64, sat: 81, sat_sp: 80 },
  OS2: { ...COMMON, heat_valve: 0, cool_valve: 0, oa_damper: 0.6, oat: 58, rat: 72, mat: 63.6, sat: 65.6, sat_sp: 65 },
  OS3: { ...COMMON, heat_valve: 0, cool_valve: 0.5, oa_damper: 1, oat: 65, rat: 74, mat: 65, sat: 55, sat_sp: 55 },
  OS4: { ...COMMON, heat_valve: 0, cool_valve: 0.6, oa_damper: 0.2, oat: 90, rat: 75, mat: 78, sat: 55, sat_sp: 55 },
} satisfies Record<string, Reading>;

export const TEST_SETTINGS = parseAfddSettings({ min_oa_fraction: 0.2 });

/** Two hours of one steady reading: past the mode delay (30 min) and the alarm delay (30 min) after it. */
export function steady(reading: Reading, overrides: Record<string, unknown> = {}): Diagnosis {
  return diagnoseSeries(seriesOf(repeat(reading, 120)), parseAfddSettings({ min_oa_fraction: 0.2, ...overrides }));
}

/** Fault conditions with an episode. */
export const fired = (d: Diagnosis): string[] => [...new Set(d.episodes.map((e) => e.fault_condition))].sort();
