import { z } from 'zod';

// Point maps: what each column of a dataset (or sensor of an edge target) stands for. The names repeat
// @prometheus/afdd's vocabulary (protocol imports only zod); the hub's tests hold the two lists equal.

export const AfddInputName = z.enum([
  'sat', 'sat_sp', 'mat', 'rat', 'oat',
  'oa_damper', 'cool_valve', 'heat_valve',
  'fan_speed', 'fan_status', 'duct_sp', 'duct_sp_sp', 'occupied',
  'ccet', 'cclt', 'hcet', 'hclt',
  'sa_flow', 'oa_flow_min_sp',
]);
export type AfddInputName = z.infer<typeof AfddInputName>;

export const PointUnitName = z.enum(['F', 'C', 'fraction', 'percent', 'inH2O', 'Pa', 'binary', 'cfm', 'L/s']);
export type PointUnitName = z.infer<typeof PointUnitName>;

export const PointRole = z.object({
  column: z.string().min(1).max(500),
  brick_class: z.string().max(200).nullable().describe('A Brick Point class without prefix, e.g. Supply_Air_Temperature_Sensor'),
  input: AfddInputName.nullable().describe('AFDD input name the rules read this column as'),
  unit: PointUnitName.nullable(),
}).strict();
export type PointRole = z.infer<typeof PointRole>;

/** A dataset's or target's point map; `confirmed` is false while it is the hub's suggestion. */
export const PointMap = z.object({
  points: z.array(PointRole),
  confirmed: z.boolean(),
});
export type PointMap = z.infer<typeof PointMap>;

export const PointMapUpdate = z.object({
  points: z.array(PointRole).max(10_000, 'must have at most 10000 points'),
}).strict();
export type PointMapUpdate = z.infer<typeof PointMapUpdate>;

export const PointMapQuery = z.object({
  format: z.enum(['json', 'ttl']).default('json').describe('ttl: Brick Turtle (text/turtle)'),
});
export type PointMapQuery = z.infer<typeof PointMapQuery>;
