import { toCanonical, type AfddInput, type AfddSeries, type PointRole } from '@prometheus/afdd';
import type { TrainingData } from '../datasets/datasets-service.js';

/** AFDD input -> the column mapped to it (a column mapped twice cannot happen: maps give each input once). */
export function mappedInputs(points: readonly PointRole[]): Partial<Record<AfddInput, string>> {
  const out: Partial<Record<AfddInput, string>> = {};
  for (const p of points) if (p.input) out[p.input] = p.column;
  return out;
}

/**
 * The rules' series from a dataset read: mapped columns in canonical units (F, 0-1, in. w.c.), rows without a
 * time left out (the read sorts them last). A mapped column that holds no numbers at all is not an input.
 */
export function seriesFrom(data: TrainingData, points: readonly PointRole[]): { series: AfddSeries; inputs: Partial<Record<AfddInput, string>> } {
  let rows = data.timestamps.length;
  while (rows > 0 && Number.isNaN(data.timestamps[rows - 1])) rows -= 1;
  const inputs: Partial<Record<AfddInput, string>> = {};
  const values: AfddSeries['inputs'] = {};
  for (const p of points) {
    const index = p.input ? data.columns.indexOf(p.column) : -1;
    if (!p.input || index < 0) continue;
    values[p.input] = toCanonical(data.values[index]!.subarray(0, rows), p.unit);
    inputs[p.input] = p.column;
  }
  return { series: { timestamps: data.timestamps.subarray(0, rows), inputs: values }, inputs };
}

/** The rows at or after `from` (epoch ms; the read sorts rows by time): the evaluated part of a dataset. */
export function rowsFrom(series: AfddSeries, from: number): AfddSeries {
  const times = series.timestamps as Float64Array;
  let first = 0;
  while (first < times.length && !(times[first]! >= from)) first += 1;
  const inputs: AfddSeries['inputs'] = {};
  for (const [name, values] of Object.entries(series.inputs)) inputs[name as AfddInput] = values.subarray(first);
  return { timestamps: times.subarray(first), inputs };
}
