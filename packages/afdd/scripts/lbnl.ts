// The LBNL FDD air-handler CSVs (test/fixtures/lbnl) as an AfddSeries: header names mapped to AFDD inputs.
// Timestamps are local `M/D/YY H:MM` and read as UTC, so a day here is the building's own calendar day.
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { DEFAULT_AFDD_SETTINGS, type AfddInput, type AfddSeries } from '../src/index.js';

/** LBNL header (trimmed) -> AFDD input. Commands are already 0-1 and temperatures F in these files. */
export const LBNL_HEADERS: Readonly<Record<string, AfddInput>> = {
  'AHU: Supply Air Temperature': 'sat',
  'AHU: Supply Air Temperature Set Point': 'sat_sp',
  'AHU: Mixed Air Temperature': 'mat',
  'AHU: Return Air Temperature': 'rat',
  'AHU: Outdoor Air Temperature': 'oat',
  'AHU: Outdoor Air Damper Control Signal': 'oa_damper',
  'AHU: Cooling Coil Valve Control Signal': 'cool_valve',
  'AHU: Heating Coil Valve Control Signal': 'heat_valve',
  'AHU: Supply Air Fan Status': 'fan_status',
  'AHU: Supply Air Fan Speed Control Signal': 'fan_speed',
  'AHU: Supply Air Duct Static Pressure': 'duct_sp',
  'AHU: Supply Air Duct Static Pressure Set Point': 'duct_sp_sp',
  'Occupancy Mode Indicator': 'occupied',
};
const HEATING_SP = 'AHU: Supply Air Temperature Heating Set Point';
const COOLING_SP = 'AHU: Supply Air Temperature Cooling Set Point';

export interface LbnlTable {
  series: AfddSeries;
  /** Per row: the CSV's `Fault Detection Ground Truth`. */
  truth: Float64Array;
  /** YYYY-MM-DD per row. */
  days: string[];
}

export function parseLbnlTimestamp(text: string): number {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{2,4})\s+(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!m) throw new Error(`unexpected timestamp "${text}"`);
  const [, mo, d, y, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y < 100 ? 2000 + y : y, mo - 1, d, h, mi);
}

export function loadLbnl(path: string): LbnlTable {
  const [header, ...rows] = parse(readFileSync(path, 'utf8'), { skip_empty_lines: true, relax_column_count: true }) as string[][];
  if (!header) throw new Error(`${path}: empty file`);
  const names = header.map((h) => h.trim());
  const column = (name: string): Float64Array | null => {
    const c = names.indexOf(name);
    return c < 0 ? null : Float64Array.from(rows, (r) => {
      const v = Number((r[c] ?? '').trim() || Number.NaN);
      return Number.isFinite(v) ? v : Number.NaN;
    });
  };
  const inputs: Partial<Record<AfddInput, Float64Array>> = {};
  for (const [name, input] of Object.entries(LBNL_HEADERS)) {
    const values = column(name);
    if (values) inputs[input] = values;
  }
  const heatingSp = column(HEATING_SP);
  const coolingSp = column(COOLING_SP);
  if (!inputs.sat_sp && heatingSp && coolingSp && inputs.heat_valve) inputs.sat_sp = applicableSetPoint(heatingSp, coolingSp, inputs.heat_valve);
  const timestamps = rows.map((r) => parseLbnlTimestamp(r[0] ?? ''));
  return {
    series: { timestamps, inputs },
    truth: column('Fault Detection Ground Truth') ?? new Float64Array(rows.length).fill(Number.NaN),
    days: timestamps.map((t) => new Date(t).toISOString().slice(0, 10)),
  };
}

/**
 * SZVAV carries a heating and a cooling supply set point instead of one: the heating one applies while the
 * heating valve is commanded open (above `valve_closed`), the cooling one otherwise (FC7 judges in heating, FC9/FC11/FC13 in cooling).
 */
export function applicableSetPoint(heating: Float64Array, cooling: Float64Array, heatValve: Float64Array): Float64Array {
  return Float64Array.from(heating, (h, i) => ((heatValve[i] as number) > DEFAULT_AFDD_SETTINGS.valve_closed ? h : (cooling[i] as number)));
}
