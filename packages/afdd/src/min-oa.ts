// The minimum outdoor-air position, when not configured: a low percentile of the damper command while the
// fan runs (and the building is occupied, when occupancy is known). A histogram keeps the memory constant.

const BINS = 1000;

export class MinOaEstimator {
  private readonly counts = new Uint32Array(BINS + 1);
  private total = 0;

  /** Counts one reading; the caller decides whether it qualifies (fan on, occupied). */
  add(damper: number): void {
    if (!(damper === damper)) return;
    const clamped = Math.min(1, Math.max(0, damper));
    const bin = Math.round(clamped * BINS);
    this.counts[bin] = (this.counts[bin] ?? 0) + 1;
    this.total++;
  }

  get samples(): number {
    return this.total;
  }

  /** The damper command at the given percentile (0-1), to the histogram's 0.001 resolution; null with no data. */
  estimate(percentile: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(percentile * this.total));
    let seen = 0;
    for (let bin = 0; bin <= BINS; bin++) {
      seen += this.counts[bin] as number;
      if (seen >= rank) return bin / BINS;
    }
    return 1;
  }
}

/** Whether a reading tells us about the minimum position: fan proven on and, when known, occupied. */
export function qualifiesForMinOa(fanOn: boolean, occupied: number): boolean {
  return fanOn && !(occupied === 0);
}
