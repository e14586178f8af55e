import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { encodeModel, GraphBuilder, intAttr, valueInfo } from '../artifacts/onnx-graph.js';
import { exportOnnx } from '../artifacts/onnx-export.js';
import { quantizeWeights } from '../artifacts/quantize.js';
import type { Architecture } from '../hyperparameters.js';
import { validateHyperparameters } from '../hyperparameters.js';
import { modelSpec } from '../model/spec.js';
import { initialTorchWeights, seededRandom } from '../model/torch-weights.js';
import { loadJsGraph } from './onnx-js.js';

// The JavaScript evaluator against onnxruntime-node on the very same exported files: every architecture,
// float and int8, at a small size and at the contract's defaults (hidden 64, 2 layers, sequence 60).

const ARCHS: Architecture[] = ['lstm_autoencoder', 'gru_predictor', 'sentinel'];

function model(architecture: Architecture, size: 'small' | 'contract') {
  const hp = size === 'small' ? { hidden_dim: 16, bottleneck_dim: 8, num_layers: 2, sequence_length: 12 } : { hidden_dim: 64, bottleneck_dim: 32, num_layers: 2, sequence_length: 60 };
  const v = validateHyperparameters(architecture, hp);
  if (!v.ok) throw new Error('bad hyperparameters');
  const features = size === 'small' ? 5 : 8;
  const spec = modelSpec(architecture, features, v.value.hyperparameters);
  // Larger than default initial weights so every gate is driven away from its linear region.
  const weights = initialTorchWeights(spec, 7).map((w) => w * 3);
  const random = seededRandom(5);
  const n = size === 'small' ? 9 : 3;
  const windows = Float32Array.from({ length: n * spec.sequenceLength * features }, () => (random() - 0.5) * 4);
  return { spec, weights, windows, dims: [n, spec.sequenceLength, features] };
}

async function reference(bytes: Uint8Array, windows: Float32Array, dims: number[]): Promise<Record<string, Float32Array>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'basic' });
  const out = await session.run({ window: new ort.Tensor('float32', windows, dims) });
  await session.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] as number))), 0);
}

describe.each(ARCHS)('JavaScript runtime on %s', (arch) => {
  it.each(['small', 'contract'] as const)('%s size: float and int8 outputs match onnxruntime-node within 1e-5', async (size) => {
    const { spec, weights, windows, dims } = model(arch, size);
    for (const bytes of [exportOnnx(spec, weights), exportOnnx(spec, weights, quantizeWeights(weights, spec))]) {
      const expected = await reference(bytes, windows, dims);
      const graph = loadJsGraph(bytes);
      expect(graph.inputs).toEqual(['window']);
      const got = graph.run({ window: { dims, data: windows } });
      expect(Object.keys(got).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, data] of Object.entries(expected)) {
        expect(got[name]!.data.length).toBe(data.length);
        expect(maxAbsDiff(got[name]!.data, data), `${name}`).toBeLessThanOrEqual(1e-5);
      }
    }
  });
});

describe('JavaScript runtime refuses what it does not implement', () => {
  it('an operator outside the exports, named, at load', () => {
    const g = new GraphBuilder();
    g.node('Softmax', ['window'], [intAttr('axis', 1)], ['y']);
    const bytes = encodeModel(g, [valueInfo('window', ['N', 4])], [valueInfo('y', ['N', 4])], {});
    expect(() => loadJsGraph(bytes)).toThrow(/operator Softmax is not supported/);
  });

  it('a GRU without linear_before_reset, and bytes that are not a model', () => {
    const g = new GraphBuilder();
    g.node('GRU', ['window', 'W', 'R'], [intAttr('hidden_size', 2)], ['y', 'yh']);
    const bytes = encodeModel(g, [valueInfo('window', [3, 1, 2])], [valueInfo('y', [3, 1, 1, 2])], {});
    expect(() => loadJsGraph(bytes)).toThrow(/linear_before_reset/);
    const clipped = new GraphBuilder();
    clipped.node('LSTM', ['window', 'W', 'R'], [intAttr('hidden_size', 2), { name: 'clip', type: 1, f: 3 }], ['y', 'yh']);
    expect(() => loadJsGraph(encodeModel(clipped, [valueInfo('window', [3, 1, 2])], [valueInfo('y', [3, 1, 1, 2])], {}))).toThrow(/attribute clip/);
    expect(() => loadJsGraph(new Uint8Array([1, 2, 3, 4, 5]))).toThrow();
  });
});
