import type { DatasetPreview, TelemetryBatch } from '@prometheus/protocol';

// Time series the target page charts: sensor readings (history from its dataset, then live telemetry)
// and anomaly scores from the agent's inference messages.
export interface Series {
  t: number[]; // epoch seconds
  columns: string[];
  values: Record<string, (number | null)[]>;
}

const MAX_POINTS = 2000;
const HIDDEN = new Set(['sample_no', 'seq', 'sequence']);

export const emptySeries = (): Series => ({ t: [], columns: [], values: {} });

/** The newest page of the target's dataset (sorted by time descending) as a series in time order. */
export function fromPreview(p: DatasetPreview, timeColumn: string): Series {
  const ti = p.headers.indexOf(timeColumn);
  const cols = p.headers.filter((h, i) => i !== ti && !HIDDEN.has(h));
  const rows = [...p.rows].reverse();
  const s: Series = { t: [], columns: cols, values: Object.fromEntries(cols.map((c) => [c, []])) };
  for (const r of rows) {
    const ms = Date.parse(r[ti] ?? '');
    if (!Number.isFinite(ms)) continue;
    s.t.push(ms / 1000);
    for (const c of cols) {
      const v = Number(r[p.headers.indexOf(c)]);
      s.values[c]!.push(r[p.headers.indexOf(c)] === null || r[p.headers.indexOf(c)] === '' || !Number.isFinite(v) ? null : v);
    }
  }
  return s;
}

/** Appends a telemetry batch; new sensors add columns (older points missing); keeps the last MAX_POINTS. */
export function appendBatch(s: Series, batch: TelemetryBatch): Series {
  const next: Series = { t: [...s.t], columns: [...s.columns], values: Object.fromEntries(Object.entries(s.values).map(([k, v]) => [k, [...v]])) };
  for (const r of batch.readings) {
    for (const k of Object.keys(r.values)) {
      if (HIDDEN.has(k) || next.values[k]) continue;
      next.columns.push(k);
      next.values[k] = next.t.map(() => null);
    }
    next.t.push(r.ts / 1000);
    for (const c of next.columns) next.values[c]!.push(r.values[c] ?? null);
  }
  const extra = next.t.length - MAX_POINTS;
  if (extra > 0) {
    next.t.splice(0, extra);
    for (const c of next.columns) next.values[c]!.splice(0, extra);
  }
  return next;
}

export interface ScorePoint {
  t: number;
  score: number;
  alert: boolean;
  threshold: number | null;
}

/**
 * Reads the scores of an inference message (`{kind: 'scores', scores: [{ts, score, anomaly}]}`) or of the
 * REST history (`{threshold, scores: [{ts: ISO, score, anomaly}]}`); a single `{ts, score}` also reads.
 * An anomalous window (or one above the threshold) is marked as an alert; other shapes give nothing.
 */
export function parseScores(body: unknown, fallbackThreshold: number | null = null): ScorePoint[] {
  const top = typeof body === 'object' && body !== null ? (body as { threshold?: unknown }).threshold : undefined;
  const base = typeof top === 'number' ? top : fallbackThreshold;
  const one = (o: unknown): ScorePoint | undefined => {
    if (typeof o !== 'object' || o === null) return undefined;
    const r = o as { ts?: unknown; at?: unknown; score?: unknown; threshold?: unknown; alert?: unknown; anomaly?: unknown };
    const raw = r.ts ?? r.at;
    const ts = typeof raw === 'number' ? raw : typeof raw === 'string' ? Date.parse(raw) : NaN;
    if (!Number.isFinite(ts) || typeof r.score !== 'number') return undefined;
    const threshold = typeof r.threshold === 'number' ? r.threshold : base;
    const alert = r.alert === true || r.anomaly === true || (threshold !== null && r.score > threshold);
    return { t: ts / 1000, score: r.score, threshold, alert };
  };
  const list = typeof body === 'object' && body !== null && Array.isArray((body as { scores?: unknown }).scores) ? (body as { scores: unknown[] }).scores : [body];
  return list.map(one).filter((p): p is ScorePoint => p !== undefined);
}
