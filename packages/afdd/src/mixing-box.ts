// The mixing-box checks behind the ranking of FC5, FC8, FC12 and FC13 (docs/afdd-rules.md, "Evidence over the
// alarm delay"): over every reading from where a supply-versus-mixed condition began holding to its alarm, how often
// mixed air read outside the span of return and outdoor air (the sensor does not see the mix) and how often the
// outdoor-air fraction the temperatures imply strayed from the damper command by more than eps_f (the damper does
// not follow its command). A majority of either outranks the valve that the sign of the difference points at.
import type { AfddSettings } from './settings.js';
import type { Family } from './types.js';

/** The rolling means the tally reads (canonical units). */
export interface MixingBoxMeans {
  mat: number;
  rat: number;
  oat: number;
  oa_damper: number;
}

/** Counts over the readings of one pending condition; reset when the condition stops holding. */
export class MixingBoxTally {
  /** Every reading since the condition began holding (the denominator of both majorities). */
  readings = 0;
  /** Readings with mixed air outside the return-outdoor span while the damper is commanded above its minimum. */
  outside = 0;
  /** Readings with mixed air inside the span whose implied outdoor-air fraction strays from the command by more than eps_f. */
  offTrack = 0;
  /** Readings inside the span (where a fraction could be read), with the sums of fraction and command over them. */
  inside = 0;
  fractionSum = 0;
  commandSum = 0;
  /** The last reading counted as outside the span (mixed, return, outdoor), for the evidence. */
  example: [number, number, number] | null = null;

  reset(): void {
    this.readings = this.outside = this.offTrack = this.inside = this.fractionSum = this.commandSum = 0;
    this.example = null;
  }

  /** One reading; `minOa` is the minimum outdoor-air position in use (NaN when unknown: then nothing counts as outside). */
  add(m: MixingBoxMeans, s: AfddSettings, minOa: number): void {
    this.readings++;
    const span = m.oat - m.rat;
    // NaN fails every comparison below, so a missing input counts for nothing.
    if (!(Math.abs(span) >= s.dt_min)) return;
    const fraction = (m.mat - m.rat) / span;
    if (fraction <= 0 || fraction >= 1) {
      // Above its minimum, not merely open: at minimum the true mix lies within a degree or two of return air,
      // inside the sensors' own tolerances, so a reading past the return end says nothing there.
      if (m.oa_damper > minOa + s.damper_min_tolerance) {
        this.outside++;
        this.example = [m.mat, m.rat, m.oat];
      }
      return;
    }
    if (!(m.oa_damper === m.oa_damper)) return;
    this.inside++;
    this.fractionSum += fraction;
    this.commandSum += m.oa_damper;
    if (Math.abs(fraction - m.oa_damper) > s.eps_f) this.offTrack++;
  }
}

export interface MixingBoxVerdict {
  /** Set when a check holds on more than half of the readings: it names the family. */
  family: Extract<Family, 'sensor' | 'oa_damper'> | null;
  evidence: string[];
}

const F = (x: number): string => `${x.toFixed(1)} F`;
const pct = (x: number): string => `${Math.round(x * 100)}%`;

/** What the tally says: a family when a check holds on more than half of the readings, and a sentence either way. */
export function mixingBoxVerdict(t: MixingBoxTally, s: AfddSettings): MixingBoxVerdict {
  if (t.readings === 0) return { family: null, evidence: [] };
  const of = `${t.outside} of ${t.readings} readings`;
  if (t.outside * 2 > t.readings) {
    const [mat, rat, oat] = t.example as [number, number, number];
    return {
      family: 'sensor',
      evidence: [
        `Mixed air read outside the range between return and outdoor air in ${of} over the alarm delay, with the damper commanded above its minimum and the two streams at least ${F(s.dt_min)} apart (e.g. mixed ${F(mat)}, return ${F(rat)}, outdoor ${F(oat)}): no mix of the two reads there, so the mixed-air sensor most likely does not see the mix (stratification at the mixing box, placement, calibration) and the supply-versus-mixed difference is the sensor's, not a valve's.`,
      ],
    };
  }
  const meanFraction = t.inside > 0 ? t.fractionSum / t.inside : Number.NaN;
  const meanCommand = t.inside > 0 ? t.commandSum / t.inside : Number.NaN;
  const tracking = `the outdoor-air fraction the temperatures imply, (MAT-RAT)/(OAT-RAT), strayed from the damper command by more than ${pct(s.eps_f)} in ${t.offTrack} of ${t.readings} readings (mean ${t.inside > 0 ? `${pct(meanFraction)} against ${pct(meanCommand)} commanded` : 'not readable'})`;
  if (t.offTrack * 2 > t.readings) {
    return {
      family: 'oa_damper',
      evidence: [
        `Over the alarm delay ${tracking}: the damper does not follow its command (stuck, slipped linkage, failed actuator), and the supply-versus-mixed difference is read as the mixing box's.`,
      ],
    };
  }
  return { family: null, evidence: [`Mixing box over the alarm delay: mixed air outside the return-outdoor range in ${of}; ${tracking}.`] };
}
