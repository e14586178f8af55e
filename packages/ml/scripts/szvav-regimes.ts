import { fileURLToPath } from 'node:url';
import { fitPca, pcaErrors, percentile, rocAuc, rollingMean } from '../src/index.js';
import { finiteMeans } from '../src/data/missing.js';
import type { DayTable } from './lbnl.js';
import { loadLbnlCsv, filledColumns, selectDays, SZVAV_CSV, uniqueDays } from './lbnl.js';

// What SZVAV's days contain, read from the CSV without any model: the figures behind the README's
// account of why no detector trained on the first normal days beats the linear baseline clearly.
// - implied outdoor-air fraction (MAT - RAT) / (OAT - RAT): whether a damper fault can show at all;
// - operating regimes per day (economizer lockout, deep cooling): whether the normal test days
//   hold conditions the normal training days never had;
// - the README's PCA baseline with each normal day held out in turn: how much a window AUC moves
//   with the choice of normal test day alone.

const COLUMN = {
  oat: 'AHU: Outdoor Air Temperature',
  mat: 'AHU: Mixed Air Temperature',
  rat: 'AHU: Return Air Temperature',
  coolingSetpoint: 'AHU: Supply Air Temperature Cooling Set Point',
  coolingValve: 'AHU: Cooling Coil Valve Control Signal',
  oaDamper: 'AHU: Outdoor Air Damper Control Signal',
  occupied: 'Occupancy Mode Indicator',
  label: 'Fault Detection Ground Truth',
} as const;

export interface DayRegime {
  day: string;
  faulty: boolean;
  mean_outdoor_temperature: number;
  mean_oa_damper_command: number;
  /**
   * Median of (MAT - RAT) / (OAT - RAT) over minutes with |OAT - RAT| > 3 F, occupied and not:
   * 0 = all return air, 1 = all outdoor air. What the damper really did, whatever its command.
   */
  implied_oa_fraction: { occupied: number; unoccupied: number };
  /** Occupied minutes with outdoor air over 1 F warmer than return air (the economizer closes). */
  economizer_lockout_minutes: number;
  /** Minutes with the supply-air cooling set point at or below 56 F. */
  deep_cooling_minutes: number;
  /** Minutes with the cooling valve command over 0.3. */
  cooling_valve_over_30_minutes: number;
}

function column(table: DayTable, name: string): Float64Array {
  const i = table.columns.indexOf(name);
  if (i < 0) throw new Error(`column "${name}" not found`);
  return table.values[i] as Float64Array;
}

export function dayRegimes(table: DayTable): DayRegime[] {
  return uniqueDays(table).map((day) => {
    const t = selectDays(table, [day]);
    const [oat, mat, rat, csp, ccv, oad, occ, label] = Object.values(COLUMN).map((c) => Array.from(column(t, c))) as number[][] as [number[], number[], number[], number[], number[], number[], number[], number[]];
    const rows = oat.map((_, i) => i);
    const count = (test: (i: number) => boolean): number => rows.filter(test).length;
    const mean = (x: number[]): number => {
      const finite = x.filter(Number.isFinite);
      return finite.reduce((s, v) => s + v, 0) / finite.length;
    };
    const fraction = (occupied: boolean): number => {
      const x = rows.filter((i) => Math.abs(oat[i]! - rat[i]!) > 3 && occ[i]! > 0.5 === occupied).map((i) => (mat[i]! - rat[i]!) / (oat[i]! - rat[i]!));
      return percentile(x, 50);
    };
    return {
      day, faulty: label.some((x) => x > 0),
      mean_outdoor_temperature: mean(oat), mean_oa_damper_command: mean(oad),
      implied_oa_fraction: { occupied: fraction(true), unoccupied: fraction(false) },
      economizer_lockout_minutes: count((i) => occ[i]! > 0.5 && oat[i]! > rat[i]! + 1),
      deep_cooling_minutes: count((i) => csp[i]! <= 56),
      cooling_valve_over_30_minutes: count((i) => ccv[i]! > 0.3),
    };
  });
}

/** Numeric signal columns: not the timestamp (first column), not the label. */
function features(table: DayTable): string[] {
  return table.columns.slice(1).filter((c) => c !== COLUMN.label);
}

/**
 * The README's baseline (PCA, 95% variance, 60-minute trailing mean) fitted on all normal days but
 * one, scored on every faulty day and on the held-out normal day: one window AUC per held-out day.
 */
export function pcaHeldOutNormalDays(table: DayTable): { held_out: string; auc_roc: number }[] {
  const regimes = dayRegimes(table);
  const normal = regimes.filter((d) => !d.faulty).map((d) => d.day);
  const faulty = regimes.filter((d) => d.faulty).map((d) => d.day);
  const names = features(table);
  return normal.map((held) => {
    const fit = selectDays(table, normal.filter((d) => d !== held));
    const fallback = finiteMeans(names.map((n) => column(fit, n)), fit.days.length);
    const pca = fitPca(filledColumns(fit, names, fallback));
    const scores: number[] = [];
    const labels: number[] = [];
    for (const day of [...faulty, held]) {
      const s = rollingMean(pcaErrors(pca, filledColumns(selectDays(table, [day]), names, fallback)), 60);
      scores.push(...s);
      labels.push(...Array.from(s, () => (day === held ? 0 : 1)));
    }
    return { held_out: held, auc_roc: rocAuc(scores, labels) as number };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const table = loadLbnlCsv(process.argv[2] ?? SZVAV_CSV);
  console.log('day         label   mean OAT  OA damper  implied OA fraction occupied / not  lockout min  cooling SP<=56 min  cooling valve>0.3 min');
  const pad = (x: number | string, n: number, d = 2): string => (typeof x === 'number' ? x.toFixed(d) : x).padStart(n);
  for (const d of dayRegimes(table)) {
    const f = d.implied_oa_fraction;
    console.log(`${d.day}  ${d.faulty ? 'fault ' : 'normal'}  ${pad(d.mean_outdoor_temperature, 8, 1)}  ${pad(d.mean_oa_damper_command, 9)}  ${pad(`${f.occupied.toFixed(2)} / ${f.unoccupied.toFixed(2)}`, 32)}  ${pad(String(d.economizer_lockout_minutes), 11)}  ${pad(String(d.deep_cooling_minutes), 18)}  ${pad(String(d.cooling_valve_over_30_minutes), 21)}`);
  }
  console.log('PCA baseline fitted on the other normal days, window AUC of every faulty day against the held-out one:');
  for (const r of pcaHeldOutNormalDays(table)) console.log(`  held out ${r.held_out}: ${r.auc_roc.toFixed(3)}`);
}
