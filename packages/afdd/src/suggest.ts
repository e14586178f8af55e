import type { AfddInput, PointRole, PointUnit } from './inputs.js';

// Point roles suggested from header names and observed values, for the user to confirm or edit.
// Headers come in three dialects: spelled out (LBNL's `AHU: Supply Air Temperature`), BMS abbreviations
// (`SAT`, `SA_TEMP`, `OA_DMPR`, `CHW_VLV`), and Haystack-style tag lists (`discharge air temp sensor`).
// All three are reduced to one set of concept words, then read by the same rules.

/** What a column looks like: its header and the range of its numbers (null when it has none). */
export interface ColumnProfile {
  name: string;
  min: number | null;
  max: number | null;
}

/** Concept words an abbreviation or synonym stands for (after lower-casing and splitting). */
const SYNONYMS: Record<string, string[]> = {
  sat: ['supply', 'temp'], dat: ['supply', 'temp'], mat: ['mixed', 'temp'], rat: ['return', 'temp'],
  oat: ['outdoor', 'temp'], eat: ['entering', 'temp'], lat: ['leaving', 'temp'],
  sa: ['supply'], da: ['supply'], ra: ['return'], oa: ['outdoor'], osa: ['outdoor'], ma: ['mixed'], ea: ['exhaust'],
  discharge: ['supply'], supply: ['supply'], sup: ['supply'], supp: ['supply'], sply: ['supply'],
  outdoor: ['outdoor'], outside: ['outdoor'], out: ['outdoor'],
  mixed: ['mixed'], mix: ['mixed'], mxd: ['mixed'], return: ['return'], ret: ['return'], rtn: ['return'],
  exhaust: ['exhaust'], exh: ['exhaust'], relief: ['exhaust'], zone: ['zone'], zn: ['zone'], room: ['zone'],
  sf: ['supply', 'fan'], saf: ['supply', 'fan'], rf: ['return', 'fan'], raf: ['return', 'fan'], ef: ['exhaust', 'fan'],
  t: ['temp'], tmp: ['temp'], temp: ['temp'], temperature: ['temp'],
  dmpr: ['damper'], dmp: ['damper'], dpr: ['damper'], damper: ['damper'], econ: ['economizer'], economizer: ['economizer'],
  vlv: ['valve'], valve: ['valve'], vv: ['valve'],
  chw: ['cooling'], clg: ['cooling'], cool: ['cooling'], cooling: ['cooling'], cc: ['cooling', 'coil'],
  hw: ['heating'], htg: ['heating'], heat: ['heating'], heating: ['heating'], hc: ['heating', 'coil'],
  spd: ['speed'], speed: ['speed'], vfd: ['speed'], fan: ['fan'],
  dsp: ['duct', 'pressure'], duct: ['duct'], static: ['pressure'], pressure: ['pressure'], press: ['pressure'], pres: ['pressure'],
  setpoint: ['setpoint'], stpt: ['setpoint'], spt: ['setpoint'], sp: ['sp'],
  status: ['status'], sts: ['status'], stat: ['status'], proof: ['status'],
  occ: ['occupancy'], occupied: ['occupancy'], occupancy: ['occupancy'],
  entering: ['entering'], ent: ['entering'], leaving: ['leaving'], lvg: ['leaving'], lvgt: ['leaving'],
  flow: ['flow'], airflow: ['flow'], cfm: ['flow'], lps: ['flow'], min: ['minimum'], minimum: ['minimum'],
  fault: ['label'], truth: ['label'], label: ['label'], fdd: ['label'],
  datetime: ['time'], timestamp: ['time'], time: ['time'], date: ['time'],
};

/** The concept words of a header: `AHU: Outdoor Air Damper Control Signal  ` -> {outdoor, damper}. */
export function conceptsOf(header: string): Set<string> {
  const spaced = header.trim()
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .replace(/set\s*-?\s*point/g, 'setpoint');
  const words = spaced.split(/[^a-z0-9]+/).filter((w) => w !== '' && !/^\d+$/.test(w) && !/^(ahu|rtu|mau|doas)\d*$/.test(w));
  const out = new Set<string>();
  for (const word of words) for (const concept of SYNONYMS[word] ?? []) out.add(concept);
  // `sp` is a set point after a quantity (`SAT_SP`, `DSP_SP`) and a static pressure on its own (`SA_SP`, `DUCT_SP`).
  if (out.delete('sp')) out.add(QUANTITIES.some((q) => out.has(q)) ? 'setpoint' : 'pressure');
  return out;
}

const QUANTITIES = ['temp', 'pressure', 'damper', 'valve', 'speed', 'status', 'occupancy', 'flow'] as const;

/** A role read from the concepts; `rank` orders candidates for the same input (higher wins). */
interface Reading {
  brick_class: string | null;
  input: AfddInput | null;
  rank: number;
}

const NONE: Reading = { brick_class: null, input: null, rank: 0 };
const role = (brick_class: string, input: AfddInput | null = null, rank = 1): Reading => ({ brick_class, input, rank });

const TEMP_SENSORS: [string, string, AfddInput | null][] = [
  ['supply', 'Supply_Air_Temperature_Sensor', 'sat'], ['mixed', 'Mixed_Air_Temperature_Sensor', 'mat'],
  ['return', 'Return_Air_Temperature_Sensor', 'rat'], ['outdoor', 'Outside_Air_Temperature_Sensor', 'oat'],
  ['exhaust', 'Exhaust_Air_Temperature_Sensor', null], ['zone', 'Zone_Air_Temperature_Sensor', null],
];

const TEMP_SETPOINTS: [string, string][] = [
  ['mixed', 'Mixed_Air_Temperature_Setpoint'], ['return', 'Return_Air_Temperature_Setpoint'],
  ['outdoor', 'Outside_Air_Temperature_Setpoint'], ['zone', 'Target_Zone_Air_Temperature_Setpoint'],
];

function readTemperature(c: Set<string>): Reading {
  const coilSide = c.has('entering') ? 'et' : c.has('leaving') ? 'lt' : null;
  if (coilSide && (c.has('cooling') || c.has('heating'))) {
    return role('Air_Temperature_Sensor', `${c.has('cooling') ? 'cc' : 'hc'}${coilSide}` as AfddInput);
  }
  if (c.has('setpoint')) {
    if (c.has('supply') || !TEMP_SETPOINTS.some(([m]) => c.has(m))) {
      // One set point for the rules: a plain one first, else the cooling one (FC9, FC11, FC13 judge against it).
      // A separate heating set point is kept as a Brick point without an input.
      if (c.has('heating')) return role('Supply_Air_Temperature_Heating_Setpoint');
      if (c.has('cooling')) return role('Supply_Air_Temperature_Cooling_Setpoint', 'sat_sp', 1);
      return role('Supply_Air_Temperature_Setpoint', 'sat_sp', 2);
    }
    const found = TEMP_SETPOINTS.find(([m]) => c.has(m));
    return found ? role(found[1]) : NONE;
  }
  const sensor = TEMP_SENSORS.find(([m]) => c.has(m));
  return sensor ? role(sensor[1], sensor[2]) : role('Air_Temperature_Sensor');
}

function readFan(c: Set<string>): Reading {
  const other = c.has('return') || c.has('exhaust');
  if (c.has('status')) return other ? role('Fan_Status') : role('Fan_Status', 'fan_status');
  return other ? role('Speed_Command') : role('Speed_Command', 'fan_speed', c.has('supply') ? 2 : 1);
}

/** FC6's airflows: the supply airflow measured, and the minimum outdoor-airflow set point. */
function readAirflow(c: Set<string>): Reading {
  if (c.has('outdoor')) {
    if (!c.has('setpoint')) return role('Outside_Air_Flow_Sensor');
    return c.has('minimum') ? role('Min_Outside_Air_Flow_Setpoint_Limit', 'oa_flow_min_sp', 2) : role('Outside_Air_Flow_Setpoint', 'oa_flow_min_sp', 1);
  }
  if (c.has('supply') && !c.has('return') && !c.has('exhaust')) return c.has('setpoint') ? role('Supply_Air_Flow_Setpoint') : role('Supply_Air_Flow_Sensor', 'sa_flow');
  return role('Air_Flow_Sensor');
}

/** The role the header's words name, before units and before one input is given to one column. */
export function readHeader(header: string): Reading {
  const c = conceptsOf(header);
  if (c.has('label') || (c.has('time') && !QUANTITIES.some((q) => c.has(q)))) return NONE;
  if (c.has('temp')) return readTemperature(c);
  if (c.has('occupancy')) return role('Occupancy_Status', 'occupied');
  if (c.has('damper') || c.has('economizer')) {
    const outdoor = c.has('economizer') || (c.has('outdoor') && !c.has('return') && !c.has('exhaust'));
    return outdoor ? role('Damper_Position_Command', 'oa_damper') : role('Damper_Position_Command');
  }
  if (c.has('valve')) {
    if (c.has('cooling')) return role('Valve_Command', 'cool_valve');
    if (c.has('heating')) return role('Valve_Command', 'heat_valve');
    return role('Valve_Command');
  }
  if (c.has('flow')) return readAirflow(c);
  if (c.has('speed') || (c.has('fan') && c.has('status'))) return readFan(c);
  if (c.has('pressure')) {
    if (c.has('return') || c.has('exhaust') || c.has('outdoor') || c.has('zone')) return role('Static_Pressure_Sensor');
    return c.has('setpoint') ? role('Supply_Air_Static_Pressure_Setpoint', 'duct_sp_sp') : role('Supply_Air_Static_Pressure_Sensor', 'duct_sp');
  }
  return NONE;
}

const TEMPERATURE = /Temperature_(Sensor|Setpoint|Heating_Setpoint|Cooling_Setpoint)$/;
const SIGNAL = /^(Damper_Position_Command|Valve_Command|Speed_Command|Fan_Speed_Command|Valve_Position_Command)$/;

/**
 * Commands are 0-1 fractions or 0-100 percent, decided by the largest value seen (a little over 1 is still 0-1).
 * A command that never went past 1 (a valve held shut all along) takes the scale of the dataset's other commands
 * when one of them is plainly 0-100: a file's commands share a scale.
 */
export function signalUnit(max: number | null, datasetHasPercent = false): PointUnit | null {
  if (max === null || !Number.isFinite(max)) return null;
  return max > 1.05 || datasetHasPercent ? 'percent' : 'fraction';
}

/** A unit the header itself states (`SAT (°C)`, `OA_DMPR %`, `DSP [in. w.c.]`), or null. */
export function headerUnit(header: string): PointUnit | null {
  if (/°\s*F\b|\bdeg\s*F\b|\[F\]|\(F\)/i.test(header)) return 'F';
  if (/°\s*C\b|\bdeg\s*C\b|\[C\]|\(C\)/i.test(header)) return 'C';
  if (/%|\bpct\b|\bpercent\b/i.test(header)) return 'percent';
  if (/\bin\.?\s*(w\.?\s*c|h2o)\b|\binwc\b|\binh2o\b|"\s*wc\b/i.test(header)) return 'inH2O';
  if (/\bPa\b/.test(header)) return 'Pa';
  if (/(^|[^a-z])cfm([^a-z]|$)/i.test(header)) return 'cfm';
  if (/(^|[^a-z])(l\/s|lps)([^a-z]|$)/i.test(header)) return 'L/s';
  return null;
}

/**
 * Air temperatures: above 50 can only be Fahrenheit (50 C air is outside what an air handler sees); a column
 * that never goes above 50 takes the unit the dataset's other temperatures show, Celsius when none decides.
 */
export function temperatureUnit(max: number | null, datasetHasFahrenheit: boolean): PointUnit | null {
  if (max === null || !Number.isFinite(max)) return null;
  return max > 50 || datasetHasFahrenheit ? 'F' : 'C';
}

interface DatasetScales {
  fahrenheit: boolean;
  percent: boolean;
}

function unitOf(brickClass: string | null, column: ColumnProfile, scales: DatasetScales): PointUnit | null {
  if (!brickClass) return null;
  const stated = headerUnit(column.name);
  if (TEMPERATURE.test(brickClass)) return stated === 'F' || stated === 'C' ? stated : temperatureUnit(column.max, scales.fahrenheit);
  if (SIGNAL.test(brickClass)) return stated === 'percent' ? stated : signalUnit(column.max, scales.percent);
  if (/Static_Pressure_(Sensor|Setpoint)$/.test(brickClass)) {
    if (stated === 'inH2O' || stated === 'Pa') return stated;
    // Duct static pressure is 0-5 in. w.c. (0-1,250 Pa): a maximum above 10 is pascals.
    return column.max === null ? null : column.max > 10 ? 'Pa' : 'inH2O';
  }
  if (/_Status$/.test(brickClass)) return 'binary';
  if (/Air_Flow_(Sensor|Setpoint|Setpoint_Limit)$/.test(brickClass)) return stated === 'cfm' || stated === 'L/s' ? stated : null;
  return null;
}

/**
 * A role for every column: Brick class and AFDD input from the header, unit from the values. Each input goes
 * to one column at most (the most specific header wins; ties go to the first column).
 */
export function suggestPointMap(columns: ColumnProfile[]): PointRole[] {
  const readings = columns.map((col) => readHeader(col.name));
  const some = (kind: RegExp, plain: (max: number) => boolean) => columns.some((col, i) => {
    const cls = readings[i]!.brick_class;
    return cls !== null && kind.test(cls) && col.max !== null && plain(col.max);
  });
  // Scales the dataset shows plainly: an air temperature above 50 is F, a command above 2 is 0-100.
  const scales = { fahrenheit: some(TEMPERATURE, (max) => max > 50), percent: some(SIGNAL, (max) => max > 2) };
  const winner = new Map<AfddInput, number>();
  readings.forEach((r, i) => {
    if (!r.input) return;
    const best = winner.get(r.input);
    if (best === undefined || r.rank > readings[best]!.rank) winner.set(r.input, i);
  });
  return columns.map((col, i) => {
    const r = readings[i]!;
    const input = r.input && winner.get(r.input) === i ? r.input : null;
    return { column: col.name, brick_class: r.brick_class, input, unit: unitOf(r.brick_class, col, scales) };
  });
}
