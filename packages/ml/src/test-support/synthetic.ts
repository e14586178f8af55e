import type { TrainingTable } from '../data/table.js';
import { seededRandom } from '../model/torch-weights.js';

/**
 * A small air-handler-like table for tests: supply/return temperatures, a fan signal, a damper
 * position, one-minute rows, and a fault (label 1) that raises the supply temperature in
 * `faultRows` intervals. Deterministic for a seed.
 */
export function syntheticTable(rows: number, seed = 1, faults: [number, number][] = []): TrainingTable {
  const random = seededRandom(seed);
  const noise = (): number => (random() - 0.5) * 0.2;
  const timestamps = Array.from({ length: rows }, (_, i) => Date.UTC(2026, 0, 1) + i * 60_000);
  const supply = new Float64Array(rows);
  const ret = new Float64Array(rows);
  const fan = new Float64Array(rows);
  const damper = new Float64Array(rows);
  const fault = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const inFault = faults.some(([a, b]) => i >= a && i < b);
    fault[i] = inFault ? 1 : 0;
    const daily = Math.sin((2 * Math.PI * i) / 240);
    supply[i] = 55 + 2 * daily + noise() + (inFault ? 3 : 0);
    ret[i] = 72 + daily + noise();
    fan[i] = 0.6 + 0.2 * Math.cos((2 * Math.PI * i) / 120) + noise() / 4;
    damper[i] = 40 + 10 * daily * (inFault ? -1 : 1) + noise() * 5;
  }
  return {
    columns: ['timestamp', 'supply_air_temp', 'return_air_temp', 'fan_speed', 'damper_pos', 'fault'],
    timestamps,
    values: [Float64Array.from(timestamps), supply, ret, fan, damper, fault],
  };
}
