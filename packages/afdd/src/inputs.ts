// The vocabulary shared by point maps, the rules and the edge: what a dataset column can stand for.

/** AFDD input names: the signals the Guideline 36 air-handler rules read. */
export const AFDD_INPUTS = [
  'sat', 'sat_sp', 'mat', 'rat', 'oat',
  'oa_damper', 'cool_valve', 'heat_valve',
  'fan_speed', 'fan_status', 'duct_sp', 'duct_sp_sp', 'occupied',
  'ccet', 'cclt', 'hcet', 'hclt',
  'sa_flow', 'oa_flow_min_sp',
] as const;
export type AfddInput = (typeof AFDD_INPUTS)[number];

/** Units a point can carry: temperatures in F or C, commands as 0-1 fractions or 0-100 percent, airflow in cfm or L/s. */
export const POINT_UNITS = ['F', 'C', 'fraction', 'percent', 'inH2O', 'Pa', 'binary', 'cfm', 'L/s'] as const;
export type PointUnit = (typeof POINT_UNITS)[number];

/** The role of one dataset column. Columns with no known role keep nulls. */
export interface PointRole {
  column: string;
  brick_class: string | null;
  input: AfddInput | null;
  unit: PointUnit | null;
}

/** The units each input may carry (what `toCanonical` converts from); null always means "already canonical". */
export const INPUT_UNITS: Readonly<Record<AfddInput, readonly PointUnit[]>> = {
  sat: ['F', 'C'], sat_sp: ['F', 'C'], mat: ['F', 'C'], rat: ['F', 'C'], oat: ['F', 'C'],
  ccet: ['F', 'C'], cclt: ['F', 'C'], hcet: ['F', 'C'], hclt: ['F', 'C'],
  oa_damper: ['fraction', 'percent'], cool_valve: ['fraction', 'percent'], heat_valve: ['fraction', 'percent'], fan_speed: ['fraction', 'percent'],
  duct_sp: ['inH2O', 'Pa'], duct_sp_sp: ['inH2O', 'Pa'],
  fan_status: ['binary', 'fraction'], occupied: ['binary', 'fraction'],
  // FC6: measured supply airflow and the minimum outdoor-airflow set point (canonical cfm)
  sa_flow: ['cfm', 'L/s'], oa_flow_min_sp: ['cfm', 'L/s'],
};
