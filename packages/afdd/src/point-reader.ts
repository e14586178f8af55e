// From a point map to the monitor's readings: the edge gets rows keyed by its own sensor names, in their own units.
import type { AfddInput, PointRole } from './inputs.js';
import { toCanonicalValue } from './units.js';

export interface PointReader {
  /** The AFDD inputs the map provides (what RuleMonitor needs as `available`). */
  inputs: AfddInput[];
  /** One row keyed by column (sensor) name -> the mapped inputs in canonical units; absent or non-numeric values are left out. */
  read(row: Readonly<Record<string, unknown>>): Partial<Record<AfddInput, number>>;
}

export function pointReader(points: readonly PointRole[]): PointReader {
  const mapped = points.filter((p): p is PointRole & { input: AfddInput } => p.input !== null);
  return {
    inputs: [...new Set(mapped.map((p) => p.input))],
    read(row) {
      const reading: Partial<Record<AfddInput, number>> = {};
      for (const p of mapped) {
        const v = row[p.column];
        if (typeof v === 'number' && Number.isFinite(v)) reading[p.input] = toCanonicalValue(v, p.unit);
      }
      return reading;
    },
  };
}
