// Guideline 36 operating states, read from the (rolling-mean) commands with the fan proven on.
import type { AfddSettings } from './settings.js';
import type { OperatingState } from './types.js';

export interface Commands {
  heat: number;
  cool: number;
  damper: number;
}

/** Fan status wins when present; otherwise a speed command above fan_on_speed. NaN for both: not proven. */
export function fanProvenOn(status: number, speed: number, settings: AfddSettings): boolean {
  if (status === status) return status >= 0.5;
  return speed === speed && speed > settings.fan_on_speed;
}

/**
 * OS1 heating (heating valve open, cooling shut, damper at minimum); OS2 economizer only (both valves shut,
 * damper above minimum); OS3 cooling at 100% outdoor air; OS4 cooling at minimum outdoor air; OS5 the rest.
 * Null when a command is missing.
 */
export function operatingState(c: Commands, minOa: number, settings: AfddSettings): OperatingState | null {
  if (!(c.heat === c.heat && c.cool === c.cool && c.damper === c.damper)) return null;
  const heatShut = c.heat <= settings.valve_closed;
  const coolShut = c.cool <= settings.valve_closed;
  const atMin = c.damper <= minOa + settings.damper_min_tolerance;
  const fullOpen = c.damper >= settings.damper_full_open;
  if (!heatShut && coolShut && atMin) return 'OS1';
  if (heatShut && coolShut && !atMin) return 'OS2';
  if (heatShut && !coolShut && fullOpen) return 'OS3';
  if (heatShut && !coolShut && atMin) return 'OS4';
  return 'OS5';
}
