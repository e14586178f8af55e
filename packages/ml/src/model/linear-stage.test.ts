import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAxonml, encodeAxonml } from '../artifacts/axonml.js';
import { exportOnnx } from '../artifacts/onnx-export.js';
import { quantizeWeights } from '../artifacts/quantize.js';
import { fitPca, pcaErrors } from '../baseline/pca.js';
import { validateHyperparameters } from '../hyperparameters.js';
import { initBackend, tf } from '../tf/backend.js';
import { buildModel } from './build.js';
import type { LinearStage } from './linear-stage.js';
import { fitLinearStage, linearResidual } from './linear-stage.js';
import { contributionWeights } from './scoring.js';
import { modelSpec, parameterCount, torchGroups, torchTensors } from './spec.js';
import type { ModelSpec } from './spec.js';
import { importTorchWeights, initialTorchWeights, seededRandom } from './torch-weights.js';

// The autoencoder's linear stage: a frozen PCA (the baseline's 95% rule) whose reconstruction the LSTM corrects.
const F = 6;
const T = 12;
const N = 8;

/** Rows driven by two latent factors plus small noise (a linear plant), row-major [rows, F]. */
function linearRows(rows: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const mix = [[1, 0.5], [0.8, -0.3], [-0.6, 1], [0.2, 0.9], [1.1, 0.1], [-0.4, -0.7]];
  const out = new Float32Array(rows * F);
  for (let r = 0; r < rows; r++) {
    const a = random() * 2 - 1;
    const b = random() * 2 - 1;
    for (let c = 0; c < F; c++) out[r * F + c] = (mix[c]![0]! * a + mix[c]![1]! * b + (random() - 0.5) * 0.1) * (c + 1);
  }
  return out;
}

function columnsOf(matrix: Float32Array): Float64Array[] {
  return Array.from({ length: F }, (_, c) => Float64Array.from({ length: matrix.length / F }, (_, r) => matrix[r * F + c] as number));
}

function spec(stage: LinearStage | null): ModelSpec {
  const v = validateHyperparameters('lstm_autoencoder', { hidden_dim: 16, bottleneck_dim: 8, num_layers: 2, sequence_length: T });
  if (!v.ok) throw new Error('bad hyperparameters');
  return modelSpec('lstm_autoencoder', F, v.value.hyperparameters, stage);
}

/** Weights with the output layer at zero: the LSTM's correction is exactly 0. */
function zeroCorrection(s: ModelSpec): Float32Array {
  const w = initialTorchWeights(s, 3);
  let offset = 0;
  for (const t of torchGroups(s).flatMap(torchTensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.name.startsWith('output.')) w.fill(0, offset, offset + n);
    offset += n;
  }
  return w;
}

function tfjsReconstruction(s: ModelSpec, weights: Float32Array, windows: Float32Array): Float32Array {
  const model = buildModel(s);
  importTorchWeights(model, s, weights);
  const out = tf.tidy(() => (model.predict(tf.tensor3d(windows, [N, T, F])) as tf.Tensor).dataSync() as Float32Array);
  model.dispose();
  return out;
}

/** z-scores rows with the first set's statistics, as the model's input is. */
function zScored(rows: Float32Array, reference: Float32Array): Float32Array {
  const n = reference.length / F;
  const means = Array.from({ length: F }, (_, c) => Array.from({ length: n }, (_, r) => reference[r * F + c] as number).reduce((a, b) => a + b, 0) / n);
  const stds = means.map((m, c) => Math.sqrt(Array.from({ length: n }, (_, r) => ((reference[r * F + c] as number) - m) ** 2).reduce((a, b) => a + b, 0) / n));
  return rows.map((v, i) => (v - (means[i % F] as number)) / (stds[i % F] as number));
}

const rawTrain = linearRows(400, 1);
const train = zScored(rawTrain, rawTrain);
const stage = fitLinearStage(train, F, Int32Array.from({ length: 400 }, (_, i) => i));
// Test windows: the same plant, and a second set with one sensor offset (a fault the linear relations expose).
const windows = zScored(linearRows(N * T, 2), rawTrain);

beforeAll(async () => {
  await initBackend('wasm');
});

afterAll(() => {
  tf.disposeVariables();
});

describe('the linear stage', () => {
  it('keeps the baseline\'s components and its residual is the PCA residual, row by row', () => {
    const pca = fitPca(columnsOf(train));
    expect(stage.components).toBe(pca.components.length);
    expect(stage.components).toBeLessThan(F);
    const expected = pcaErrors(pca, columnsOf(windows));
    for (let r = 0; r < N * T; r += 7) {
      // PCA measures in its own scaling (sample std of the rows); the stage in the model's: rescale to compare.
      const res = linearResidual(stage, windows.subarray(r * F, (r + 1) * F));
      const inPcaScale = res.reduce((s, v, c) => s + (v / (pca.stds[c] as number)) ** 2, 0);
      expect(inPcaScale).toBeCloseTo(expected[r] as number, 6);
    }
  });

  it('with a zero correction, the model reconstructs exactly what PCA reconstructs', async () => {
    await initBackend('wasm');
    const s = spec(stage);
    const out = tfjsReconstruction(s, zeroCorrection(s), windows);
    let worst = 0;
    for (let r = 0; r < N * T; r++) {
      const row = windows.subarray(r * F, (r + 1) * F);
      const res = linearResidual(stage, row);
      for (let c = 0; c < F; c++) worst = Math.max(worst, Math.abs((out[r * F + c] as number) - ((row[c] as number) - (res[c] as number))));
    }
    expect(worst).toBeLessThan(1e-4);
    // Without the stage the same weights reconstruct nothing like it (the test can fail).
    const plain = tfjsReconstruction(spec(null), zeroCorrection(spec(null)), windows);
    expect(Math.max(...plain.map((v) => Math.abs(v)))).toBe(0);
  });

  it('is not trained and adds no parameters (the .axonml weights are the LSTM\'s)', () => {
    const s = spec(stage);
    const model = buildModel(s);
    expect(parameterCount(s)).toBe(parameterCount(spec(null)));
    expect(model.trainableWeights.some((w) => w.name.includes('linear_stage'))).toBe(false);
    model.dispose();
  });

  it.each([false, true])('ONNX (int8 %s) matches tfjs within 1e-4 on onnxruntime-node, stage as constants', async (int8) => {
    const s = spec(stage);
    const weights = initialTorchWeights(s, 5).map((w) => w * 3);
    const q = quantizeWeights(weights, s);
    const expected = tfjsReconstruction(s, int8 ? q.dequantized : weights, windows);
    const session = await ort.InferenceSession.create(exportOnnx(s, weights, int8 ? q : null), { graphOptimizationLevel: 'basic' });
    const result = await session.run({ window: new ort.Tensor('float32', windows, [N, T, F]) });
    await session.release();
    const rec = result.reconstruction!.data as Float32Array;
    expect(rec.reduce((m, v, i) => Math.max(m, Math.abs(v - (expected[i] as number))), 0)).toBeLessThanOrEqual(1e-4);
    const size = T * F;
    const score = Float32Array.from({ length: N }, (_, i) => expected.subarray(i * size, (i + 1) * size).reduce((a, r, j) => a + (r - (windows[i * size + j] as number)) ** 2, 0) / size);
    const got = result.score!.data as Float32Array;
    expect(got.reduce((m, v, i) => Math.max(m, Math.abs(v - (score[i] as number))), 0)).toBeLessThanOrEqual(1e-4);
  });

  it('blames the sensor that moved: contributions (error / Q_jj) peak where a one-sensor offset was added', () => {
    const weights = contributionWeights(spec(stage));
    const row = stage.offset; // a row the linear stage explains fully: the offset is all of the residual
    for (let s = 0; s < F; s++) {
      const moved = Float64Array.from(row, (v, c) => v + (c === s ? 3 : 0));
      const r = linearResidual(stage, moved);
      const contribution = Array.from(r, (v, j) => v * v * (weights[j] as number));
      expect(contribution.indexOf(Math.max(...contribution))).toBe(s);
    }
    // (The plain squared error can point at a linked sensor instead: apps/hub evaluations.test.ts, mixed_temp.)
    expect(Array.from(contributionWeights(spec(null)))).toEqual(Array(F).fill(1));
  });

  it('travels in the .axonml file; files without one read back as null', () => {
    const s = spec(stage);
    const weights = initialTorchWeights(s, 5);
    const hp = validateHyperparameters('lstm_autoencoder', {});
    if (!hp.ok) throw new Error('bad hyperparameters');
    const base = { architecture: 'lstm_autoencoder' as const, input_features: F, hyperparameters: hp.value.hyperparameters, weights, norm_means: Array(F).fill(0), norm_stds: Array(F).fill(1), anomaly_threshold: 1 };
    expect(decodeAxonml(encodeAxonml({ ...base, linear_stage: stage })).linear_stage).toEqual(stage);
    expect(decodeAxonml(encodeAxonml(base)).linear_stage).toBeNull();
  });
});
