import type { ModelMetadata } from './metadata.js';

// The model's own scoring rule after the network: a fault persists, a burst of reconstruction error from a
// transient (a set-point step, a fan start) does not. The reported score of a window is the mean of the raw
// window scores whose windows ended in the last `persistence_minutes` (the window itself included), by
// timestamp, so it means the same at any stride and in a stream. The hub's evaluations (batch) and the edge
// (one window at a time) both go through `TrailingMean`, so they add the same numbers in the same order.
// A window outside the model's operating envelope (envelope.ts) is left out of the mean: the model says
// nothing about it, and its error must not leak into the in-range windows after it.
// No tfjs here: the edge imports it.

/** The model's persistence window in minutes; 0 (raw scores) for models written before it existed. */
export function persistenceMinutes(metadata: Pick<ModelMetadata, 'scoring'>): number {
  return metadata.scoring?.persistence_minutes ?? 0;
}

/** Trailing mean over a time span, fed window by window in time order. */
export class TrailingMean {
  private ends: number[] = [];
  private scores: number[] = [];

  constructor(private readonly spanMs: number) {}

  /** Adds a window (end time in epoch ms, raw score) and returns the persisted score. */
  push(end: number, score: number): number {
    if (this.spanMs <= 0) return score;
    const last = this.ends.at(-1);
    // Out of order (a replayed reading): start again rather than mix the past into the present.
    if (last !== undefined && end <= last) this.reset();
    this.ends.push(end);
    this.scores.push(score);
    let drop = 0;
    while (this.ends[drop]! <= end - this.spanMs) drop++;
    if (drop > 0) {
      this.ends.splice(0, drop);
      this.scores.splice(0, drop);
    }
    let sum = 0;
    for (const s of this.scores) sum += s;
    return sum / this.scores.length;
  }

  reset(): void {
    this.ends = [];
    this.scores = [];
  }
}

/**
 * Persisted scores of windows in time order (ends ascending), as the edge computes them one by one. Windows
 * marked in `outOfRange` keep their raw score and stay out of the others' means.
 */
export function persistScores(ends: ArrayLike<number>, scores: ArrayLike<number>, minutes: number, outOfRange?: ArrayLike<boolean | number>): Float64Array {
  const mean = new TrailingMean(minutes * 60_000);
  return Float64Array.from({ length: scores.length }, (_, i) => (outOfRange?.[i] ? (scores[i] as number) : mean.push(ends[i] as number, scores[i] as number)));
}
