import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Architecture } from '../hyperparameters.js';
import { validateHyperparameters } from '../hyperparameters.js';
import { initBackend, tf } from '../tf/backend.js';
import { useFusedCells } from '../tf/rnn-cell-kernels.js';
import { buildModel } from './build.js';
import { modelSpec } from './spec.js';
import { importTorchWeights, initialTorchWeights, seededRandom } from './torch-weights.js';

// The fused recurrent path (cell kernels + hand-written BPTT) must give the same outputs and the
// same gradients as the same layers built from plain tfjs ops and differentiated by tfjs autodiff.

function gradients(arch: Architecture, fused: boolean): { out: Float32Array; grads: Float32Array[] } {
  useFusedCells(fused);
  const v = validateHyperparameters(arch, { hidden_dim: 12, bottleneck_dim: 6, num_layers: 2, sequence_length: 9, dropout: 0 });
  if (!v.ok) throw new Error('bad');
  const spec = modelSpec(arch, 4, v.value.hyperparameters);
  const model = buildModel(spec);
  importTorchWeights(model, spec, initialTorchWeights(spec, 3).map((w) => w * 2.5));
  const random = seededRandom(5);
  const x = tf.tensor3d(Float32Array.from({ length: 7 * 9 * 4 }, () => random() * 4 - 2), [7, 9, 4]);
  const target = arch === 'lstm_autoencoder' ? x : tf.randomUniform(arch === 'gru_predictor' ? [7, 3] : [7, 1], 0, 1, 'float32', 1);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(model.apply(x, { training: true }) as tf.Tensor, target)) as tf.Scalar, vars);
  const result = { out: value.dataSync() as Float32Array, grads: vars.map((v) => grads[v.name]!.dataSync() as Float32Array) };
  model.dispose();
  return result;
}

beforeAll(async () => {
  await initBackend('wasm');
});

afterAll(() => useFusedCells(true));

describe.each(['lstm_autoencoder', 'gru_predictor'] as Architecture[])('fused %s', (arch) => {
  it('matches autodiff of the plain-op layers', () => {
    const fused = gradients(arch, true);
    const plain = gradients(arch, false);
    expect(fused.out[0]).toBeCloseTo(plain.out[0]!, 5);
    expect(fused.grads).toHaveLength(plain.grads.length);
    fused.grads.forEach((g, i) => {
      const p = plain.grads[i]!;
      const scale = Math.max(1e-3, ...Array.from(p, Math.abs));
      const diff = Math.max(...Array.from(g, (x, j) => Math.abs(x - p[j]!)));
      expect(diff / scale).toBeLessThan(1e-4);
    });
  });
});
