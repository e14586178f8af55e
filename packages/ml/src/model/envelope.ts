import type { TrainingTable } from '../data/table.js';

// The operating conditions a model was trained under: the range of each exogenous driver (outdoor-air
// temperature) and the modes seen (occupancy). A window whose conditions fall outside is `out_of_range`: the
// model has not seen such operation, so its score says nothing about a fault there, and it is neither an
// alarm (edge) nor counted in metrics (evaluations). Conditions must be drivers, never the equipment's own
// responses: a fault moves supply temperatures and valve commands, and must not make its windows "unseen".
// No tfjs here: the edge imports it.

/** Which of a model's feature columns are exogenous conditions (found from point roles by the caller). */
export interface ConditionColumns {
  /** Continuous drivers (outdoor-air temperature): their trained range, widened by a margin. */
  ranges: string[];
  /** Discrete drivers (occupancy mode): the values seen. */
  modes: string[];
}

export interface OperatingEnvelope {
  ranges: { column: string; min: number; max: number; margin: number }[];
  modes: { column: string; seen: number[] }[];
}

/** The margin around a trained range, as a share of its span: a few degrees beyond the trained days. */
export const RANGE_MARGIN_SHARE = 0.1;
/** A mode column with more distinct values than this in training is not a mode (left out). */
const MAX_MODES = 10;

function finite(values: Float64Array): number[] {
  const out: number[] = [];
  for (const v of values) if (Number.isFinite(v)) out.push(v);
  return out;
}

/** The envelope of the training rows over the condition columns among `features`; null when none is there. */
export function learnEnvelope(table: TrainingTable, features: readonly string[], conditions: ConditionColumns | null | undefined): OperatingEnvelope | null {
  if (!conditions) return null;
  const column = (name: string) => (features.includes(name) ? table.values[table.columns.indexOf(name)] : undefined);
  const ranges: OperatingEnvelope['ranges'] = [];
  for (const name of conditions.ranges) {
    const values = column(name);
    const seen = values ? finite(values) : [];
    if (seen.length === 0) continue;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of seen) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    ranges.push({ column: name, min, max, margin: RANGE_MARGIN_SHARE * (max - min) });
  }
  const modes: OperatingEnvelope['modes'] = [];
  for (const name of conditions.modes) {
    const values = column(name);
    const seen = [...new Set((values ? finite(values) : []).map(Math.round))].sort((a, b) => a - b);
    if (seen.length > 0 && seen.length <= MAX_MODES) modes.push({ column: name, seen });
  }
  return ranges.length + modes.length > 0 ? { ranges, modes } : null;
}

const fmt = (x: number) => Number(x.toPrecision(4)).toString();

/**
 * Why a window is outside the envelope (its first row outside, raw values in `features` order), or null when
 * every row is inside: the network reads every row of the window, so one unseen row is enough.
 */
export function windowOutsideEnvelope(envelope: OperatingEnvelope | null | undefined, features: readonly string[], rows: readonly ArrayLike<number | null>[]): string | null {
  if (!envelope) return null;
  for (const row of rows) {
    const reason = outsideEnvelope(envelope, features, row);
    if (reason) return reason;
  }
  return null;
}

/**
 * Why one row (raw values in `features` order) is outside the envelope, or null when it is inside (a missing
 * condition value counts as inside: nothing says it is unseen).
 */
export function outsideEnvelope(envelope: OperatingEnvelope | null | undefined, features: readonly string[], row: ArrayLike<number | null>): string | null {
  if (!envelope) return null;
  const reasons: string[] = [];
  for (const r of envelope.ranges) {
    const v = row[features.indexOf(r.column)];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (v < r.min - r.margin || v > r.max + r.margin) reasons.push(`${r.column.trim()} ${fmt(v)} outside the trained ${fmt(r.min)} to ${fmt(r.max)}`);
  }
  for (const m of envelope.modes) {
    const v = row[features.indexOf(m.column)];
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    if (!m.seen.includes(Math.round(v))) reasons.push(`${m.column.trim()} ${fmt(v)} never seen in training (seen: ${m.seen.join(', ')})`);
  }
  return reasons.length > 0 ? reasons.join('; ') : null;
}
