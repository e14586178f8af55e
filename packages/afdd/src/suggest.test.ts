import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BRICK_POINT_CLASSES, INPUT_UNITS, readHeader, suggestPointMap, type AfddInput, type ColumnProfile, type PointRole } from './index.js';

const LBNL = new URL('../../../test/fixtures/lbnl/', import.meta.url);

/** Header and range of every column of an LBNL file (no quoted cells in these files). */
function profileOf(file: string): ColumnProfile[] {
  const [header, ...rows] = fs.readFileSync(new URL(file, LBNL), 'utf8').trim().split(/\r?\n/);
  const names = header!.split(',');
  const min = names.map(() => Infinity);
  const max = names.map(() => -Infinity);
  for (const row of rows) {
    row.split(',').forEach((cell, i) => {
      const v = cell.trim() === '' ? NaN : Number(cell);
      if (Number.isFinite(v)) {
        min[i] = Math.min(min[i]!, v);
        max[i] = Math.max(max[i]!, v);
      }
    });
  }
  return names.map((name, i) => ({ name, min: Number.isFinite(min[i]) ? min[i]! : null, max: Number.isFinite(max[i]) ? max[i]! : null }));
}

const byColumn = (map: PointRole[]) => Object.fromEntries(map.map((p) => [p.column.trim(), p]));

describe('suggestions on the LBNL files', () => {
  const common: Record<string, [AfddInput | null, string | null, string | null]> = {
    'Datetime': [null, null, null],
    'AHU: Supply Air Temperature': ['sat', 'Supply_Air_Temperature_Sensor', 'F'],
    'AHU: Outdoor Air Temperature': ['oat', 'Outside_Air_Temperature_Sensor', 'F'],
    'AHU: Mixed Air Temperature': ['mat', 'Mixed_Air_Temperature_Sensor', 'F'],
    'AHU: Return Air Temperature': ['rat', 'Return_Air_Temperature_Sensor', 'F'],
    'AHU: Supply Air Fan Status': ['fan_status', 'Fan_Status', 'binary'],
    'AHU: Supply Air Fan Speed Control Signal': ['fan_speed', 'Speed_Command', 'fraction'],
    'AHU: Outdoor Air Damper Control Signal': ['oa_damper', 'Damper_Position_Command', 'fraction'],
    'AHU: Return Air Damper Control Signal': [null, 'Damper_Position_Command', 'fraction'],
    'AHU: Exhaust Air Damper Control Signal': [null, 'Damper_Position_Command', 'fraction'],
    'AHU: Cooling Coil Valve Control Signal': ['cool_valve', 'Valve_Command', 'fraction'],
    'AHU: Heating Coil Valve Control Signal': ['heat_valve', 'Valve_Command', 'fraction'],
    'Occupancy Mode Indicator': ['occupied', 'Occupancy_Status', 'binary'],
    'Fault Detection Ground Truth': [null, null, null],
  };
  const files: Record<string, typeof common> = {
    'SZVAV.csv': {
      ...common,
      'AHU: Supply Air Temperature Heating Set Point': [null, 'Supply_Air_Temperature_Heating_Setpoint', 'F'],
      'AHU: Supply Air Temperature Cooling Set Point': ['sat_sp', 'Supply_Air_Temperature_Cooling_Setpoint', 'F'],
    },
    'MZVAV-2-1.csv': {
      ...common,
      'AHU: Supply Air Temperature Set Point': ['sat_sp', 'Supply_Air_Temperature_Setpoint', 'F'],
      'AHU: Return Air Fan Status': [null, 'Fan_Status', 'binary'],
      'AHU: Return Air Fan Speed Control Signal': [null, 'Speed_Command', 'fraction'],
      'AHU: Supply Air Duct Static Pressure Set Point': ['duct_sp_sp', 'Supply_Air_Static_Pressure_Setpoint', 'inH2O'],
      'AHU: Supply Air Duct Static Pressure': ['duct_sp', 'Supply_Air_Static_Pressure_Sensor', 'inH2O'],
    },
  };
  for (const [file, expected] of Object.entries(files)) {
    it(`names every AFDD input of ${file} (trailing spaces and all)`, () => {
      const profile = profileOf(file);
      expect(profile.some((c) => c.name !== c.name.trim())).toBe(true);
      const map = suggestPointMap(profile);
      expect(map.map((p) => p.column)).toEqual(profile.map((c) => c.name));
      const got = byColumn(map);
      expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
      for (const [column, [input, cls, unit]] of Object.entries(expected)) {
        expect({ column, input: got[column]!.input, brick_class: got[column]!.brick_class, unit: got[column]!.unit })
          .toEqual({ column, input, brick_class: cls, unit });
      }
    });
  }
});

describe('header dialects', () => {
  const cases: [string, AfddInput | null][] = [
    ['SAT', 'sat'], ['SA_TEMP', 'sat'], ['SA-T', 'sat'], ['DAT', 'sat'], ['SupplyAirTemp', 'sat'], ['MAT', 'mat'],
    ['RAT', 'rat'], ['OAT', 'oat'], ['OA_DMPR', 'oa_damper'], ['ECON_DPR_CMD', 'oa_damper'], ['CHW_VLV', 'cool_valve'],
    ['HW_VLV', 'heat_valve'], ['CLG_VLV_CMD', 'cool_valve'], ['SF_SPD', 'fan_speed'], ['SF_STS', 'fan_status'],
    ['DSP', 'duct_sp'], ['DSP_SP', 'duct_sp_sp'], ['DUCT_SP', 'duct_sp'], ['SAT_SP', 'sat_sp'], ['SAT_STPT', 'sat_sp'],
    ['OCC', 'occupied'], ['CC_EAT', 'ccet'], ['Heating Coil Leaving Air Temperature', 'hclt'],
    ['discharge air temp sensor', 'sat'], ['discharge air temp sp', 'sat_sp'], ['ahu-1 sa temp', 'sat'],
    ['mixed air temp sensor', 'mat'], ['return air temp sensor', 'rat'], ['outside air temp sensor', 'oat'],
    ['outside air damper cmd', 'oa_damper'], ['cool valve cmd', 'cool_valve'], ['heat valve cmd', 'heat_valve'],
    ['discharge fan speed cmd', 'fan_speed'], ['discharge duct static pressure sensor', 'duct_sp'], ['occupied', 'occupied'],
    ['SA_CFM', 'sa_flow'], ['Supply Air Flow', 'sa_flow'], ['discharge airflow sensor', 'sa_flow'],
    ['MIN_OA_CFM_SP', 'oa_flow_min_sp'], ['OA Flow Setpoint', 'oa_flow_min_sp'], ['OA_CFM', null], ['RA_CFM', null],
    ['RA_DMPR', null], ['RF_SPD', null], ['EA_DMPR', null], ['ZN_T', null], ['fault', null], ['Timestamp', null], ['kW', null],
  ];
  it.each(cases)('%s -> %s', (header, input) => {
    expect(readHeader(header).input).toBe(input);
  });

  it('suggests only real Brick point classes', () => {
    for (const [header] of cases) {
      const cls = readHeader(header).brick_class;
      if (cls !== null) expect(BRICK_POINT_CLASSES.has(cls), `${header}: ${cls}`).toBe(true);
    }
  });
});

describe('one column per input, units from values', () => {
  it('takes an airflow unit only from the header (cfm, L/s)', () => {
    const map = suggestPointMap([{ name: 'SA_CFM', min: 0, max: 9000 }, { name: 'Min OA Flow Setpoint (L/s)', min: 400, max: 400 }, { name: 'SA Flow', min: 0, max: 3 }]);
    expect(map.map((p) => [p.input, p.unit])).toEqual([['sa_flow', 'cfm'], ['oa_flow_min_sp', 'L/s'], [null, null]]);
  });

  it('gives each input to one column: a plain set point over a cooling one, else the first', () => {
    const map = suggestPointMap([
      { name: 'SAT', min: 50, max: 70 }, { name: 'Supply Air Temperature', min: 50, max: 70 },
      { name: 'SAT Cooling Setpoint', min: 55, max: 60 }, { name: 'SAT_SP', min: 55, max: 60 },
    ]);
    expect(map.map((p) => p.input)).toEqual(['sat', null, null, 'sat_sp']);
    expect(map[1]!.brick_class).toBe('Supply_Air_Temperature_Sensor');
  });

  it('reads Celsius and Fahrenheit from the range, a cool column following the others', () => {
    const celsius = suggestPointMap([{ name: 'SAT', min: 12, max: 24 }, { name: 'OAT', min: -8, max: 31 }]);
    expect(celsius.map((p) => p.unit)).toEqual(['C', 'C']);
    const fahrenheit = suggestPointMap([{ name: 'SAT', min: 52, max: 75 }, { name: 'OAT', min: -5, max: 40 }]);
    expect(fahrenheit.map((p) => p.unit)).toEqual(['F', 'F']);
  });

  it('reads 0-1 and 0-100 signals by their maximum, pressure in in. w.c. or Pa', () => {
    const map = suggestPointMap([
      { name: 'OA_DMPR', min: 0, max: 1 }, { name: 'CHW_VLV', min: 0, max: 1 }, { name: 'SF_SPD', min: 0, max: 0.6 },
      { name: 'DSP', min: 0, max: 1.6 }, { name: 'DSP_SP', min: 250, max: 250 }, { name: 'HW_VLV', min: null, max: null },
    ]);
    expect(map.map((p) => p.unit)).toEqual(['fraction', 'fraction', 'fraction', 'inH2O', 'Pa', null]);
    expect(suggestPointMap([{ name: 'OA_DMPR', min: 0, max: 100 }])[0]!.unit).toBe('percent');
  });

  it('gives a command that stayed under 1 the scale of the dataset\'s other commands', () => {
    const percent = suggestPointMap([{ name: 'OA_DMPR', min: 0, max: 100 }, { name: 'HW_VLV', min: 0, max: 0.8 }]);
    expect(percent.map((p) => p.unit)).toEqual(['percent', 'percent']);
    // A little over 1 is noise on a 0-1 signal, not a 0-100 scale.
    const fraction = suggestPointMap([{ name: 'OA_DMPR', min: -0.04, max: 1.04 }, { name: 'HW_VLV', min: 0, max: 0.8 }]);
    expect(fraction.map((p) => p.unit)).toEqual(['fraction', 'fraction']);
  });

  it('takes a unit the header states over the values', () => {
    const map = suggestPointMap([
      { name: 'Supply Air Temp (°F)', min: 40, max: 45 }, { name: 'OAT degC', min: 51, max: 52 }, { name: 'OA_DMPR %', min: 0, max: 0.8 },
      { name: 'DSP [Pa]', min: 0, max: 2 }, { name: 'DSP_SP in. w.c.', min: 300, max: 300 },
    ]);
    expect(map.map((p) => [p.input, p.unit])).toEqual([['sat', 'F'], ['oat', 'C'], ['oa_damper', 'percent'], ['duct_sp', 'Pa'], ['duct_sp_sp', 'inH2O']]);
  });

  it('suggests only units its input takes', () => {
    const map = suggestPointMap(profileOf('MZVAV-2-1.csv'));
    for (const p of map) if (p.input && p.unit) expect(INPUT_UNITS[p.input]).toContain(p.unit);
  });
});
