import type { Reading } from '@prometheus/protocol';

/**
 * The newest readings, as many as a model window holds. A gap longer than `maxGapMs` (the controller was
 * off, the source failed) starts the window again, as training never lets a window straddle a gap; a
 * reading not newer than the last one (a replayed page) is ignored.
 */
export class ReadingWindow {
  private readings: Reading[] = [];

  constructor(private capacity: number, private maxGapMs: number) {}

  /** Changes the size (a new model); keeps the newest readings that still fit. */
  resize(capacity: number, maxGapMs: number): void {
    this.capacity = capacity;
    this.maxGapMs = maxGapMs;
    this.readings = this.readings.slice(-capacity);
  }

  /** False when the reading was ignored (not newer than the last one). */
  push(r: Reading): boolean {
    const last = this.readings.at(-1);
    if (last && r.ts <= last.ts) return false;
    if (last && r.ts - last.ts > this.maxGapMs) this.readings = [];
    this.readings.push(r);
    if (this.readings.length > this.capacity) this.readings.shift();
    return true;
  }

  get full(): boolean {
    return this.readings.length === this.capacity;
  }

  get endTs(): number | undefined {
    return this.readings.at(-1)?.ts;
  }

  /** Rows of the window in `features` order; a sensor missing from a reading is null (forward-filled later). */
  rows(features: readonly string[]): (number | null)[][] {
    return this.readings.map((r) => features.map((f) => r.values[f] ?? null));
  }
}
