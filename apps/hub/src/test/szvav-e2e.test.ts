import fs from 'node:fs';
import type { EvaluationDetail, GradientEvaluation, ModelDetail } from '@prometheus/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHub, type TestHub } from './harness.js';
import { daysCsv, readSzvavDays, SZVAV_CSV } from './szvav.js';
import { setTier, trainToEnd, validatedDataset, waitForGradient } from './training.js';

// End to end on real data, through the API only: LBNL SZVAV (one-minute AHU data, whole days faulted).
// The first two normal days (9/20, 9/21) are the training dataset (validation_split 0.5 = exactly 9/21, which sets
// early stopping and the threshold); every other day is the labelled evaluation dataset, as in the data README's
// baseline (PCA reconstruction error, 60-minute rolling mean: window ROC AUC about 0.77). Scores are the
// trailing mean over 12 windows 5 minutes apart (the same 60 minutes). Modest size so it fits in minutes on a
// loaded machine; the figures are printed for the report.
const HYPERPARAMETERS = {
  hidden_dim: 32, bottleneck_dim: 8, num_layers: 1, sequence_length: 30, stride: 2, batch_size: 64, epochs: 12,
  early_stopping_patience: 4, validation_split: 0.5, dropout: 0,
};
const TRAIN_DAYS = ['9/20/2017', '9/21/2017'];
const LATER_DAYS = ['9/22/2017', '9/23/2017', '9/24/2017'];

describe('SZVAV end to end', { timeout: 600_000 }, () => {
  let t: TestHub;
  let token: string;
  const data = fs.existsSync(SZVAV_CSV) ? readSzvavDays() : null;

  beforeAll(async () => {
    t = await createTestHub();
    token = await t.adminToken();
    await setTier(t, 'admin', 'enterprise');
  }, 180_000);
  afterAll(() => t.close());

  it('trains lstm_autoencoder on the first normal days and detects the faulted days clearly above chance', async () => {
    const d = data!;
    expect(TRAIN_DAYS.every((day) => !d.faulty.has(day))).toBe(true);
    const others = [...d.days.keys()].filter((day) => !TRAIN_DAYS.includes(day));
    const train = await validatedDataset(t, token, daysCsv(d, TRAIN_DAYS), 'SZVAV 9/20-9/21 (normal)');
    // 9/11 misses its set points for 590 minutes (4.55% of these days): tolerated here, the file is what it is.
    const evaluation = await validatedDataset(t, token, daysCsv(d, others), 'SZVAV other days', 5);
    const later = await validatedDataset(t, token, daysCsv(d, LATER_DAYS), 'SZVAV 9/22-9/24');
    expect(evaluation.row_count).toBe(others.reduce((n, day) => n + d.days.get(day)!.length, 0));

    const started = Date.now();
    const run = await trainToEnd(t, token, { dataset_id: train.id, architecture: 'lstm_autoencoder', hyperparameters: HYPERPARAMETERS }, 600_000);
    const wall = (Date.now() - started) / 1000;
    expect(run.status).toBe('completed');
    const model = (await (await t.request('GET', `/api/v1/models/${run.model_id}`, { token })).json()) as ModelDetail;

    const score = async (datasetId: string) => {
      const res = await t.request('POST', '/api/v1/evaluations', { token, json: { model_id: model.id, dataset_id: datasetId, stride: 5, smoothing_windows: 12 } });
      expect(res.status).toBe(201);
      return (await res.json()) as EvaluationDetail;
    };
    const all = await score(evaluation.id);
    const late = await score(later.id);
    await t.request('POST', `/api/v1/evaluations/${all.id}/gradient`, { token });
    const gradient = (await waitForGradient(t, token, all.id)).gradient_evaluation as GradientEvaluation;

    const f = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));
    console.log([
      `SZVAV lstm_autoencoder (${model.parameters} parameters, features ${model.input_features}, ${run.current_epoch} epochs, stop ${run.stop_reason})`,
      `  train time: ${run.training_time_seconds} s wall in the hub (${wall.toFixed(0)} s request to model), best val loss ${f(run.best_val_loss, 4)}`,
      `  all other days (${all.windows} windows, ${all.positives} faulty): ROC AUC ${f(all.metrics.auc_roc)} F1 ${f(all.metrics.f1)} precision ${f(all.metrics.precision)} recall ${f(all.metrics.recall)} threshold ${f(all.threshold, 4)}`,
      `  later days 9/22-9/24 (${late.windows} windows, ${late.positives} faulty): ROC AUC ${f(late.metrics.auc_roc)} F1 ${f(late.metrics.f1)}`,
      `  validation (9/21, training evaluation): threshold ${f(model.threshold, 4)}; int8 AUC delta ${f(model.quantization.auc_roc_delta, 4)}, max score delta ${f(model.quantization.max_abs_score_delta, 5)}`,
      `  files: axonml ${model.files.axonml} B, axonml int8 ${model.files.axonml_int8} B, onnx ${model.files.onnx} B, onnx int8 ${model.files.onnx_int8} B`,
      `  gradient: ${gradient.review.verdict}; ${JSON.stringify(gradient.metrics)}`,
    ].join('\n'));

    expect(all.positives).toBeGreaterThan(0);
    expect(all.metrics.auc_roc).toBeGreaterThan(0.65);
    expect(all.metrics.f1).toBeGreaterThan(0.5);
    expect(model.files.onnx_int8).toBeLessThan(model.files.onnx / 2);
    expect(model.quantization.int8_parameter_bytes * 3).toBeLessThan(model.quantization.float_parameter_bytes);
  });
});
