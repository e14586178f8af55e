import { beforeAll, describe, expect, it } from 'vitest';
import { persistScores, TrailingMean } from '../model/persistence.js';
import { scoreTable } from '../model/score-table.js';
import type { TrainingResult } from '../training/result.js';
import { runTraining } from '../training/run.js';
import type { TrainingTable } from '../data/table.js';
import { syntheticTable } from '../test-support/synthetic.js';
import { loadInferenceModel, StreamScorer } from './index.js';

let ae: TrainingResult;
const table = syntheticTable(420, 5, [[300, 360]]);

beforeAll(async () => {
  const hp = { hidden_dim: 8, bottleneck_dim: 4, num_layers: 1, sequence_length: 10, stride: 1, epochs: 2 };
  ae = await runTraining({ architecture: 'lstm_autoencoder', hyperparameters: hp, data: { ...table, values: table.values.map((v) => v.slice(0, 280)), timestamps: table.timestamps.slice(0, 280) } });
});

describe('the model\'s persistence', () => {
  it('is a trailing mean over minutes of window ends, the window itself included', () => {
    const m = new TrailingMean(3 * 60_000);
    expect([0, 1, 2, 3, 4].map((k) => m.push(k * 60_000, k))).toEqual([0, 0.5, 1, 2, 3]);
    // A gap longer than the span leaves only the new window; a window not newer starts again.
    expect(m.push(10 * 60_000, 7)).toBe(7);
    expect(m.push(10 * 60_000, 1)).toBe(1);
    expect(Array.from(persistScores([0, 60_000], [4, 2], 0))).toEqual([4, 2]);
  });

  it('is the autoencoder\'s by default (60 minutes), and its threshold is on the persisted validation scores', () => {
    expect(ae.model.metadata.scoring).toEqual({ persistence_minutes: 60 });
    // The default autoencoder carries the linear stage, so the edge-vs-hub checks below cover it.
    expect(ae.model.metadata.linear_stage?.components).toBeGreaterThan(0);
    expect(ae.metrics.threshold).toBe(ae.model.metadata.threshold);
  });

  it.each(['onnx-js', 'onnxruntime-node'] as const)('streaming at the edge (%s) scores every window as the hub\'s batch does', async (runtime) => {
    const m = ae.model.metadata;
    // The hub's evaluation: tfjs over the table, then the model's persistence over the window ends.
    const batch = await scoreTable(ae.model, table, { stride: 1, labelColumn: null });
    const reported = persistScores(batch.ends, batch.scores, 60);
    const model = await loadInferenceModel(ae.model.onnx, m, { runtime });
    const stream = new StreamScorer(m);
    const idx = m.feature_columns.map((f) => table.columns.indexOf(f));
    let differs = 0;
    for (let k = 0; k < batch.scores.length; k++) {
      const rows = Array.from({ length: m.sequence_length }, (_, t) => idx.map((c) => (table.values[c] as Float64Array)[k + t] as number));
      const out = stream.next(table.timestamps[k + m.sequence_length - 1] as number, await model.scoreWindow(rows));
      expect(out.end).toBe(batch.ends[k]);
      expect(Math.abs(out.raw_score - (batch.scores[k] as number))).toBeLessThanOrEqual(1e-4);
      expect(Math.abs(out.score - (reported[k] as number))).toBeLessThanOrEqual(1e-4);
      expect(out.anomaly).toBe(out.score > m.threshold);
      if (Math.abs(out.score - out.raw_score) > 1e-3) differs++;
    }
    // The persistence is at work (the comparison would pass trivially on raw scores otherwise).
    expect(differs).toBeGreaterThan(batch.scores.length / 2);
    await model.close();
  });
});

/** The synthetic air handler with an outdoor-air temperature around `oat` F (a season). */
function season(rows: number, oat: number, seed: number): TrainingTable {
  const t = syntheticTable(rows, seed);
  const temp = Float64Array.from(t.timestamps, (_, i) => oat + 5 * Math.sin((2 * Math.PI * i) / 240));
  return { columns: [...t.columns.slice(0, -1), 'outdoor_air_temp'], timestamps: t.timestamps, values: [...t.values.slice(0, -1), temp] };
}

describe('outside the trained range', () => {
  it('a model trained in summer says "not seen" all through a spring day instead of raising false alarms', async () => {
    const summer = season(300, 80, 3);
    const trained = await runTraining({
      architecture: 'lstm_autoencoder', hyperparameters: { hidden_dim: 8, bottleneck_dim: 4, num_layers: 1, sequence_length: 10, stride: 1, epochs: 2 },
      data: summer, conditions: { ranges: ['outdoor_air_temp'], modes: [] },
    });
    const m = trained.model.metadata;
    expect(m.envelope?.ranges).toEqual([expect.objectContaining({ column: 'outdoor_air_temp', min: expect.closeTo(75, 0), max: expect.closeTo(85, 0) })]);
    const spring = season(200, 45, 9);
    const model = await loadInferenceModel(trained.model.onnx, m, { runtime: 'onnx-js' });
    const idx = m.feature_columns.map((f) => spring.columns.indexOf(f));
    const count = async (metadata: typeof m) => {
      const stream = new StreamScorer(metadata);
      let anomalies = 0;
      let outside = 0;
      for (let k = 0; k + m.sequence_length <= 200; k++) {
        const rows = Array.from({ length: m.sequence_length }, (_, t) => idx.map((c) => (spring.values[c] as Float64Array)[k + t] as number));
        const out = stream.next(spring.timestamps[k + m.sequence_length - 1] as number, await model.scoreWindow(rows), rows);
        if (out.anomaly) anomalies++;
        if (!out.out_of_range) continue;
        outside++;
        expect(out.out_of_range).toMatch(/^outdoor_air_temp \d+(\.\d+)? outside the trained 7\d(\.\d+)? to 8\d/);
      }
      return { anomalies, outside };
    };
    expect(await count(m)).toEqual({ anomalies: 0, outside: 191 });
    // The same model without its envelope alarms on most of the day: what the envelope prevents.
    expect((await count({ ...m, envelope: null })).anomalies).toBeGreaterThan(150);
    await model.close();
  });
});
