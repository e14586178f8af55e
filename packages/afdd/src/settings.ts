// Rule settings per piece of equipment: the Guideline 36 defaults, every one overridable, validated once.
import { z } from 'zod';

const temp = (max: number) => z.number().finite().min(0).max(max);
const fraction = z.number().finite().min(0).max(1);
const minutes = z.number().finite().min(0).max(24 * 60);

/** snake_case like the API; temperatures in F, commands and fractions 0-1, pressure in in. w.c. */
const AfddSettingsSchema = z.object({
  eps_sat: temp(20), // supply air temperature sensor tolerance
  eps_rat: temp(20), // return air
  eps_mat: temp(20), // mixed air
  eps_oat: temp(20), // outdoor air (5 F suits a weather feed)
  eps_coil_entering: temp(20), // coil entering air sensors (FC14/FC15)
  eps_coil_leaving: temp(20), // coil leaving air sensors
  fan_heat: temp(20), // dT_SF: temperature rise across the supply fan
  eps_f: fraction, // outdoor-air fraction tolerance (FC6)
  eps_vfdspd: fraction, // fan speed tolerance (FC1)
  eps_dsp: z.number().finite().min(0).max(5), // duct static pressure tolerance, in. w.c.
  dt_min: temp(100), // least |RAT - OAT| for which the outdoor-air fraction can be computed (FC6)
  max_state_changes_per_hour: z.number().int().min(1).max(600), // FC4
  rolling_minutes: z.number().finite().min(1).max(60),
  mode_delay_minutes: minutes,
  alarm_delay_minutes: minutes,
  min_oa_fraction: fraction.nullable(), // null: estimate from the damper commands
  min_oa_min_samples: z.number().int().min(1).max(100_000), // a live estimate needs this many qualifying readings first
  min_oa_percentile: fraction, // which low percentile of the damper command (fan on, occupied) is the minimum
  damper_min_tolerance: fraction, // a damper command within this of the minimum is "at minimum"
  damper_full_open: fraction, // at or above: 100% outdoor air (OS3)
  valve_closed: fraction, // at or below: the valve is commanded shut (APAR's 2% valve thresholds)
  valve_full_open: fraction, // at or above: the valve is commanded fully open (FC7, FC13)
  fan_full_speed: fraction, // FC1: the fan is at its maximum (99%) less eps_vfdspd
  fan_on_speed: fraction, // without fan status, a speed command above this proves the fan on
  max_gap_minutes: z.number().finite().min(1).max(24 * 60), // a longer silence restarts every hold and mean
});
export type AfddSettings = z.infer<typeof AfddSettingsSchema>;

export const DEFAULT_AFDD_SETTINGS: AfddSettings = Object.freeze({
  eps_sat: 2,
  eps_rat: 2,
  eps_mat: 5,
  eps_oat: 2,
  eps_coil_entering: 2,
  eps_coil_leaving: 2,
  fan_heat: 2,
  eps_f: 0.3,
  eps_vfdspd: 0.05,
  eps_dsp: 0.1,
  dt_min: 10,
  max_state_changes_per_hour: 7,
  rolling_minutes: 5,
  mode_delay_minutes: 30,
  alarm_delay_minutes: 30,
  min_oa_fraction: null,
  min_oa_min_samples: 60,
  min_oa_percentile: 0.05,
  damper_min_tolerance: 0.05,
  damper_full_open: 0.9,
  valve_closed: 0.02,
  valve_full_open: 0.99,
  fan_full_speed: 0.99,
  fan_on_speed: 0.05,
  max_gap_minutes: 15,
}) as AfddSettings;

export interface AfddSettingsFieldError {
  field: string;
  message: string;
}

/** Bad settings: each error names the field, so an API can answer 400 with it. */
export class AfddSettingsError extends Error {
  readonly errors: AfddSettingsFieldError[];
  constructor(errors: AfddSettingsFieldError[]) {
    super(`invalid AFDD settings: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    this.name = 'AfddSettingsError';
    this.errors = errors;
  }
}

/** Overrides merged over the defaults; unknown keys and out-of-range values throw AfddSettingsError. */
export function parseAfddSettings(partial: unknown): AfddSettings {
  if (partial === undefined || partial === null) return { ...DEFAULT_AFDD_SETTINGS };
  if (typeof partial !== 'object' || Array.isArray(partial)) {
    throw new AfddSettingsError([{ field: '', message: 'settings must be an object' }]);
  }
  const parsed = AfddSettingsSchema.strict().safeParse({ ...DEFAULT_AFDD_SETTINGS, ...partial });
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.flatMap((issue): AfddSettingsFieldError[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: key, message: 'unknown setting' }))
      : [{ field: issue.path.join('.'), message: issue.message }],
  );
  throw new AfddSettingsError(errors);
}
