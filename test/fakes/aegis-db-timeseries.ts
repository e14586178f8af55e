// Aegis-DB time series (aegis-db-api.md "Time series"): one point per write, series grouped by
// tag set, timestamps in epoch seconds. Older servers answer the last 24 h whatever start/end say;
// newer ones honour start/end given in seconds or milliseconds.
export interface MetricInfo {
  name: string;
  metric_type: string;
  description: string | null;
  unit: string | null;
}

export interface Point {
  metric: string;
  tags: Record<string, string>;
  value: number;
  /** Epoch seconds. */
  timestamp: number;
}

export interface SeriesQuery {
  metric: string;
  tags?: Record<string, string>;
  start?: number;
  end?: number;
  limit?: number;
}

const METRIC_TYPES = ['counter', 'gauge', 'histogram', 'summary'];
const DAY_SECONDS = 24 * 60 * 60;

export class TimeSeriesStore {
  private readonly metrics = new Map<string, MetricInfo>();
  private readonly points: Point[] = [];

  register(input: { name: string; metric_type?: string; description?: string; unit?: string }): boolean {
    if (this.metrics.has(input.name)) return false;
    const type = (input.metric_type ?? 'gauge').toLowerCase();
    this.metrics.set(input.name, {
      name: input.name,
      metric_type: METRIC_TYPES.includes(type) ? type : 'gauge',
      description: input.description ?? null,
      unit: input.unit ?? null,
    });
    return true;
  }

  list(): MetricInfo[] {
    return [...this.metrics.values()];
  }

  write(point: Omit<Point, 'timestamp'> & { timestamp?: number }): void {
    this.points.push({ ...point, timestamp: point.timestamp ?? Math.floor(Date.now() / 1000) });
  }

  /** `honourRange` false reproduces the older servers' fixed 24 h look-back from now. */
  query(q: SeriesQuery, honourRange: boolean): { series: { tags: Record<string, string>; points: { timestamp: number; value: number }[] }[]; count: number } {
    const now = Math.floor(Date.now() / 1000);
    const [from, to] = honourRange
      ? [toSeconds(q.start) ?? now - DAY_SECONDS, toSeconds(q.end) ?? now]
      : [now - DAY_SECONDS, now];
    const wanted = Object.entries(q.tags ?? {});
    const matching = this.points
      .filter((p) => p.metric === q.metric && p.timestamp >= from && p.timestamp <= to)
      .filter((p) => wanted.every(([k, v]) => p.tags[k] === v))
      .sort((a, b) => a.timestamp - b.timestamp);
    const groups = new Map<string, { tags: Record<string, string>; points: { timestamp: number; value: number }[] }>();
    for (const p of matching) {
      const key = JSON.stringify(Object.entries(p.tags).sort());
      const group = groups.get(key) ?? { tags: p.tags, points: [] };
      if (q.limit === undefined || group.points.length < q.limit) group.points.push({ timestamp: p.timestamp, value: p.value });
      groups.set(key, group);
    }
    const series = [...groups.values()];
    return { series, count: series.reduce((n, s) => n + s.points.length, 0) };
  }
}

/** Newer servers accept seconds or milliseconds; anything past year 5138 in seconds is read as ms. */
function toSeconds(value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  return value > 1e11 ? Math.floor(value / 1000) : value;
}
