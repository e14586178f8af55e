import type { EvaluationDetail, ModelDetail } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { setTier, TINY, trainToEnd, validatedDataset } from '../../test/training.js';

// The model's own scoring in evaluations: its persistence (a trailing mean over minutes, as at the edge) and
// its operating envelope (windows whose outdoor temperature it never saw are out_of_range, not faults).

/** One-minute air-handler rows with an outdoor-air temperature: `oat(i)`; supply air 6 F high from `faultFrom`. */
function csv(rows: number, start: number, oat: (i: number) => number, faultFrom = Number.POSITIVE_INFINITY): string {
  const lines = ['timestamp,supply_temp,return_temp,outdoor_air_temp,fault'];
  for (let i = 0; i < rows; i++) {
    const phase = (2 * Math.PI * i) / 60;
    const t = new Date(start + i * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const supply = 55 + 2 * Math.sin(phase) + 0.1 * Math.sin(i * 7.3) + (i >= faultFrom ? 6 : 0);
    lines.push([t, supply.toFixed(2), (72 + Math.cos(phase)).toFixed(2), oat(i).toFixed(1), i >= faultFrom ? 1 : 0].join(','));
  }
  return `${lines.join('\n')}\n`;
}

const summer = (i: number) => 82 + 4 * Math.sin((2 * Math.PI * i) / 240);

describe('evaluations score as the model does: persistence and the trained range', { timeout: 180_000 }, () => {
  let t: TestHub;
  let token: string;
  let model: ModelDetail;

  beforeAll(async () => {
    t = await createTestHub();
    token = await t.adminToken();
    await setTier(t, 'admin', 'enterprise');
    const train = await validatedDataset(t, token, csv(240, Date.UTC(2026, 6, 1), summer), 'summer');
    const run = await trainToEnd(t, token, { dataset_id: train.id, architecture: 'lstm_autoencoder', hyperparameters: { ...TINY, epochs: 4 } });
    model = (await (await t.request('GET', `/api/v1/models/${run.model_id}`, { token })).json()) as ModelDetail;
  }, 180_000);
  afterAll(() => t.close());

  const evaluate = async (json: Record<string, unknown>) => {
    const res = await t.request('POST', '/api/v1/evaluations', { token, json });
    expect(res.status).toBe(201);
    return (await res.json()) as EvaluationDetail;
  };

  it('a summer model run in spring: the unseen cold hours are out_of_range and left out of the metrics', async () => {
    expect(model.hyperparameters).toMatchObject({ persistence_minutes: 60, weight_decay: 0 });
    // The first 150 minutes at 45 F (never seen), then summer again, with a fault from minute 225.
    const spring = await validatedDataset(t, token, csv(300, Date.UTC(2026, 3, 1), (i) => (i < 150 ? 45 : summer(i)), 225), 'spring');
    const ev = await evaluate({ model_id: model.id, dataset_id: spring.id });
    // Windows of 8 rows: 293, of which the 150 with a row before minute 150 are outside; 75 of the 143 others are faulty.
    expect(ev).toMatchObject({ windows: 293, out_of_range_windows: 150, positives: 75, persistence_minutes: 60, smoothing_windows: 1 });
    expect(ev.out_of_range_share).toBeCloseTo(150 / 293, 12);
    const cm = ev.confusion_matrix!;
    expect(cm.true_positive + cm.false_positive + cm.true_negative + cm.false_negative).toBe(143);
    expect(ev.metrics.auc_roc).toBeGreaterThan(0.9);
    // The same days in summer: nothing is out of range.
    const warm = await validatedDataset(t, token, csv(300, Date.UTC(2026, 6, 9), summer, 225), 'summer later');
    expect(await evaluate({ model_id: model.id, dataset_id: warm.id })).toMatchObject({ windows: 293, out_of_range_windows: 0, out_of_range_share: 0 });
  });

  it('scores through the model\'s persistence unless the request asks for a count of windows instead', async () => {
    const later = await validatedDataset(t, token, csv(300, Date.UTC(2026, 6, 9), summer, 150), 'later');
    const own = await evaluate({ model_id: model.id, dataset_id: later.id });
    const raw = await evaluate({ model_id: model.id, dataset_id: later.id, smoothing_windows: 1 });
    expect(own).toMatchObject({ persistence_minutes: 60, smoothing_windows: 1 });
    expect(raw).toMatchObject({ persistence_minutes: 0, smoothing_windows: 1 });
    // A trailing mean moves the scores: the two evaluations differ in their score spread.
    expect(own.figures.threshold_margin).not.toEqual(raw.figures.threshold_margin);
  });
});
