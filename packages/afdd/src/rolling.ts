// Time-window rolling means in constant memory: the Guideline judges 5-minute means, not single samples.

/** Samples kept per input; at 1-second sampling a 5-minute window would need 300, so 512 covers it. */
export const ROLLING_CAPACITY = 512;

/** The mean of the samples in (now - window, now], NaN samples ignored; NaN when none are left. */
export class RollingMean {
  private readonly times = new Float64Array(ROLLING_CAPACITY);
  private readonly values = new Float64Array(ROLLING_CAPACITY);
  private head = 0; // index of the oldest sample
  private size = 0;

  constructor(private readonly windowMs: number) {}

  push(t: number, value: number): number {
    if (this.size === ROLLING_CAPACITY) this.dropOldest();
    const at = (this.head + this.size) % ROLLING_CAPACITY;
    this.times[at] = t;
    this.values[at] = value;
    this.size++;
    while (this.size > 0 && (this.times[this.head] as number) <= t - this.windowMs) this.dropOldest();
    return this.mean();
  }

  reset(): void {
    this.head = 0;
    this.size = 0;
  }

  private dropOldest(): void {
    this.head = (this.head + 1) % ROLLING_CAPACITY;
    this.size--;
  }

  // Summed afresh each time: a handful of samples, and no drift from a running sum over a year.
  private mean(): number {
    let sum = 0;
    let count = 0;
    for (let k = 0, i = this.head; k < this.size; k++, i = (i + 1) % ROLLING_CAPACITY) {
      const v = this.values[i] as number;
      if (v === v) {
        sum += v;
        count++;
      }
    }
    return count > 0 ? sum / count : Number.NaN;
  }
}
