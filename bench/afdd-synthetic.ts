// Synthetic but plausible air-handler data for the rules benchmark: 1-minute readings of 15 points, a seasonal and
// daily outdoor temperature, occupied weekdays 6:00-18:00 with the fan on, the state the outdoor air calls for
// (heating, economizer, cooling at 100% or minimum outdoor air), sensor noise, and two injected faults (a heating
// valve leak in spring, low duct pressure at full fan speed in summer) so the rules have something to raise.
import type { AfddInput, AfddSeries } from '@prometheus/afdd';

export const POINTS: readonly AfddInput[] = [
  'sat', 'sat_sp', 'mat', 'rat', 'oat', 'oa_damper', 'cool_valve', 'heat_valve',
  'fan_status', 'fan_speed', 'duct_sp', 'duct_sp_sp', 'occupied', 'ccet', 'cclt',
];

const MINUTE = 60_000;
const START = Date.UTC(2025, 0, 1);

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One reading per minute; `rows` 525,600 is a year. */
export function synthesize(rows: number, seed = 1): AfddSeries {
  const random = prng(seed);
  const noise = (amplitude: number) => (random() - 0.5) * 2 * amplitude;
  const cols = Object.fromEntries(POINTS.map((p) => [p, new Float64Array(rows)])) as Record<AfddInput, Float64Array>;
  const timestamps = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const t = START + i * MINUTE;
    timestamps[i] = t;
    const day = i / 1440;
    const hour = (i % 1440) / 60;
    const weekday = Math.floor(day + 3) % 7 < 5; // 2025-01-01 was a Wednesday
    const occupied = weekday && hour >= 6 && hour < 18;
    const weather = 58 - 22 * Math.cos((2 * Math.PI * (day - 15)) / 365) - 8 * Math.cos((2 * Math.PI * (hour - 3)) / 24);
    const oat = weather + noise(1);
    const rat = 72 + noise(0.5);
    const set = (p: AfddInput, v: number) => ((cols[p] as Float64Array)[i] = v);
    set('oat', oat);
    set('rat', rat);
    set('occupied', occupied ? 1 : 0);
    set('fan_status', occupied ? 1 : 0);
    set('duct_sp_sp', 1.5);
    // The controller follows the weather, not each noisy sample (real sequences have dead bands).
    const { damper, heat, cool, satSp } = occupied ? controls(weather) : { damper: 0, heat: 0, cool: 0, satSp: 55 };
    const mat = rat + damper * (oat - rat) + noise(0.4);
    set('sat_sp', satSp);
    const leak = heat === 0 && day >= 90 && day < 97 ? 10 : 0; // heating valve leak: the air warms with heating shut
    const coolDrop = cool > 0 ? Math.max(0, mat + 2 - 55) : 0; // cooling brings supply air to its 55 F set point
    const cclt = mat - coolDrop + noise(0.3);
    const sat = occupied ? cclt + 2 + heat * 20 + leak + noise(0.4) : mat;
    const lowPressure = day >= 200 && day < 203;
    set('oa_damper', damper);
    set('heat_valve', heat);
    set('cool_valve', cool);
    set('fan_speed', occupied ? (lowPressure ? 1 : 0.55 + noise(0.05)) : 0);
    set('duct_sp', occupied ? (lowPressure ? 1.1 : 1.5 + noise(0.03)) : 0);
    set('mat', mat);
    set('sat', sat);
    set('ccet', mat + noise(0.3));
    set('cclt', cclt);
  }
  return { timestamps, inputs: cols };
}

/**
 * The sequence a controller would choose for this outdoor temperature (return air 72 F, minimum outdoor air 0.2):
 * heating to 70 F below 40 F outside, economizer alone to 55 F up to 52 F, then cooling at 100% outdoor air, and
 * at minimum outdoor air above 68 F.
 */
function controls(oat: number): { damper: number; heat: number; cool: number; satSp: number } {
  if (oat < 40) return { damper: 0.2, heat: Math.min(1, (70 - (72 + 0.2 * (oat - 72) + 2)) / 20), cool: 0, satSp: 70 };
  if (oat < 52) return { damper: Math.min(1, (72 - 53) / (72 - oat)), heat: 0, cool: 0, satSp: 55 };
  if (oat < 68) return { damper: 1, heat: 0, cool: Math.min(1, (oat - 45) / 30), satSp: 55 };
  return { damper: 0.2, heat: 0, cool: Math.min(1, (oat - 50) / 40), satSp: 55 };
}
