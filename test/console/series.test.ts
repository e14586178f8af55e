import { describe, expect, it } from 'vitest';
import { appendBatch, emptySeries, fromPreview, parseScores } from '../../apps/hub/web/src/pages/fleet/series.js';
import { finished } from '../../apps/hub/web/src/pages/deployments/steps.js';

// What the target page charts: history from the dataset preview, live telemetry appended, scores and alerts.
describe('console fleet series', () => {
  it('turns the newest-first preview into a time-ordered series, missing cells as gaps', () => {
    const s = fromPreview({
      headers: ['timestamp', 'supply_temp', 'sample_no', 'fan_speed'],
      rows: [['2026-03-06T00:01:00Z', '55.5', '2', ''], ['2026-03-06T00:00:00Z', '55.1', '1', '40'], ['not a time', '1', '0', '1']],
      total_rows: 3, page: 1, total_pages: 1,
    }, 'timestamp');
    expect(s.columns).toEqual(['supply_temp', 'fan_speed']);
    expect(s.t).toEqual([Date.UTC(2026, 2, 6) / 1000, Date.UTC(2026, 2, 6, 0, 1) / 1000]);
    expect(s.values).toEqual({ supply_temp: [55.1, 55.5], fan_speed: [40, null] });
  });

  it('appends telemetry batches, adding new sensors as columns with earlier points missing', () => {
    let s = appendBatch(emptySeries(), { v: 1, seq_from: 1, dropped: [], readings: [{ ts: 1000, values: { a: 1 } }] });
    s = appendBatch(s, { v: 1, seq_from: 2, dropped: [], readings: [{ ts: 2000, values: { a: 2, b: 5 } }, { ts: 3000, values: { a: null, b: 6 } }] });
    expect(s).toEqual({ t: [1, 2, 3], columns: ['a', 'b'], values: { a: [1, 2, null], b: [null, 5, 6] } });
  });

  it('keeps the newest 2,000 points', () => {
    const readings = Array.from({ length: 1000 }, (_, i) => ({ ts: i * 1000, values: { a: i } }));
    let s = emptySeries();
    for (let k = 0; k < 3; k++) s = appendBatch(s, { v: 1, seq_from: 1 + k * 1000, dropped: [], readings: readings.map((r) => ({ ...r, ts: r.ts + k * 1e6 })) });
    expect(s.t.length).toBe(2000);
    expect(s.values.a![0]).toBe(0);
    expect(s.t[0]).toBe(1000);
  });

  it('reads scores, marking alerts flagged or above the threshold, and skips other shapes', () => {
    expect(parseScores({ ts: 5000, score: 0.2, threshold: 0.5 })).toEqual([{ t: 5, score: 0.2, threshold: 0.5, alert: false }]);
    expect(parseScores({ scores: [{ at: 6000, score: 0.9, threshold: 0.5 }, { ts: 7000, score: 0.1, alert: true }, { nope: 1 }] })).toEqual([
      { t: 6, score: 0.9, threshold: 0.5, alert: true }, { t: 7, score: 0.1, threshold: null, alert: true },
    ]);
    expect(parseScores({ v: 1, kind: 'scores', scores: [{ ts: 8000, score: 0.7, anomaly: true }] }, 0.5)).toEqual([{ t: 8, score: 0.7, threshold: 0.5, alert: true }]);
    expect(parseScores({ threshold: 0.5, scores: [{ ts: '1970-01-01T00:00:09Z', score: 0.3, anomaly: false }] })).toEqual([{ t: 9, score: 0.3, threshold: 0.5, alert: false }]);
    expect(parseScores('x')).toEqual([]);
  });

  it('knows when a deployment stops progressing', () => {
    expect(finished('transferring')).toBe(false);
    expect(finished('deployed')).toBe(true);
    expect(finished('failed')).toBe(true);
  });
});
