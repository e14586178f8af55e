import type { ModelMetadata } from '../model/metadata.js';
import { windowOutsideEnvelope } from '../model/envelope.js';
import { persistenceMinutes, TrailingMean } from '../model/persistence.js';
import type { WindowResult } from './index.js';

// One stream of windows (one piece of equipment) scored the way the hub's evaluations score a table: the raw
// window score through the model's persistence (persistence.ts), the threshold on the persisted score.
// Stateful: windows must come in time order; the agent keeps one per deployment.

export interface StreamResult extends WindowResult {
  /** The network's own score of this window (before persistence). */
  raw_score: number;
  /** Epoch ms of the window's last row. */
  end: number;
  /** Why the window is outside the model's operating envelope (never an anomaly then), or null. */
  out_of_range: string | null;
}

export class StreamScorer {
  private readonly mean: TrailingMean;

  constructor(private readonly metadata: Pick<ModelMetadata, 'scoring' | 'threshold' | 'envelope' | 'feature_columns'>) {
    this.mean = new TrailingMean(persistenceMinutes(metadata) * 60_000);
  }

  /**
   * The reported result of a window the network scored (`raw`), ending at `end`; `rows` are the window's raw
   * rows (feature order), checked against the envelope.
   */
  next(end: number, raw: WindowResult, rows?: readonly ArrayLike<number | null>[]): StreamResult {
    const outside = rows ? windowOutsideEnvelope(this.metadata.envelope, this.metadata.feature_columns, rows) : null;
    if (outside) return { ...raw, raw_score: raw.score, end, anomaly: false, out_of_range: outside };
    const score = this.mean.push(end, raw.score);
    return { ...raw, raw_score: raw.score, score, end, anomaly: score > this.metadata.threshold, out_of_range: null };
  }

  /** A new stream (e.g. another model was activated). */
  reset(): void {
    this.mean.reset();
  }
}
