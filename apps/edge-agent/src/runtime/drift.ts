import { binIndex, type TrainingDistribution } from '@prometheus/ml/inference';
import type { DriftCounts, Reading } from '@prometheus/protocol';

// The agent's side of drift: every reading the live model sees, and every score it reports, binned into the
// model's training histograms (the manifest's `model.distribution`), one set of counts per reading-time hour
// (UTC). Only the counts go upstream, once the hour is over, through the inference queue: a few hundred bytes an
// hour instead of the readings. An hour closes when a reading of a later hour has been scored (scores come after
// their readings), so the scores of an hour's last windows still count in it. The open hours are saved with the
// queue's meta after each batch, so a restart loses none of them.

const HOUR = 3_600_000;
const hourOf = (ts: number) => Math.floor(ts / HOUR) * HOUR;

interface OpenHour {
  readings: number;
  features: number[][];
  score: number[] | null;
}

export class DriftKeeper {
  private hours = new Map<number, OpenHour>();
  private latest = 0;

  constructor(private readonly dist: TrainingDistribution, saved?: string) {
    if (!saved) return;
    try {
      const s = JSON.parse(saved) as { latest: number; hours: [number, OpenHour][] };
      this.latest = s.latest;
      this.hours = new Map(s.hours.filter(([, h]) => h.features.length === dist.features.length));
    } catch {
      // A damaged snapshot costs the open hour, nothing else.
    }
  }

  private hour(ts: number): OpenHour | undefined {
    const start = hourOf(ts);
    if (start < hourOf(this.latest) && !this.hours.has(start)) return undefined; // an hour already sent
    let h = this.hours.get(start);
    if (!h) {
      h = { readings: 0, features: this.dist.features.map((f) => new Array<number>(f.edges.length + 1).fill(0)), score: this.dist.score ? new Array<number>(this.dist.score.edges.length + 1).fill(0) : null };
      this.hours.set(start, h);
    }
    return h;
  }

  /** A reading the model's window took (newer than the last one). */
  reading(r: Reading): void {
    const h = this.hour(r.ts);
    if (!h) return;
    this.latest = Math.max(this.latest, r.ts);
    h.readings++;
    this.dist.features.forEach((f, i) => {
      const v = r.values[f.column];
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      const counts = h.features[i] as number[];
      const b = binIndex(f.edges, v);
      counts[b] = (counts[b] as number) + 1;
    });
  }

  /** A reported score (of a window inside the trained range). */
  score(ts: number, score: number): void {
    const h = this.hour(ts);
    if (!h?.score || !this.dist.score || !Number.isFinite(score)) return;
    const b = binIndex(this.dist.score.edges, score);
    h.score[b] = (h.score[b] as number) + 1;
  }

  /** Hours before the newest reading's hour, ready to send (oldest first); `all` also the open one (a model switch). */
  closed(all = false): DriftCounts[] {
    const current = hourOf(this.latest);
    const out: DriftCounts[] = [];
    for (const start of [...this.hours.keys()].sort((a, b) => a - b)) {
      if (!all && start >= current) continue;
      const h = this.hours.get(start) as OpenHour;
      this.hours.delete(start);
      if (h.readings === 0) continue;
      out.push({
        hour_start: start, readings: h.readings,
        features: this.dist.features.map((f, i) => ({ column: f.column, counts: h.features[i] as number[] })), score: h.score ? { counts: h.score } : null,
      });
    }
    return out;
  }

  snapshot(): string {
    return JSON.stringify({ latest: this.latest, hours: [...this.hours] });
  }
}
