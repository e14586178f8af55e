// Canonical units for the rules: temperatures in F, commands and fractions 0-1, pressure in in. w.c., airflow in cfm.
import type { PointUnit } from './inputs.js';

const PA_PER_INH2O = 249.0889;
const CFM_PER_LPS = 2.118880;

/** A new array in canonical units; NaN stays NaN. A null unit means the values are already canonical. */
export function toCanonical(values: Float64Array, unit: PointUnit | null): Float64Array {
  const out = new Float64Array(values.length);
  const convert = converter(unit);
  for (let i = 0; i < values.length; i++) out[i] = convert(values[i] as number);
  return out;
}

/** One reading in canonical units (the edge converts as readings arrive). */
export function toCanonicalValue(value: number, unit: PointUnit | null): number {
  return converter(unit)(value);
}

function converter(unit: PointUnit | null): (v: number) => number {
  switch (unit) {
    case 'C':
      return (v) => v * 1.8 + 32;
    case 'percent':
      return (v) => v / 100;
    case 'Pa':
      return (v) => v / PA_PER_INH2O;
    case 'L/s':
      return (v) => v * CFM_PER_LPS;
    default: // F, fraction, inH2O, binary, cfm, null
      return (v) => v;
  }
}
