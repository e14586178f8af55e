import { describe, expect, it } from 'vitest';
import { validateHyperparameters } from '../hyperparameters.js';
import { modelSpec, parameterCount } from '../model/spec.js';
import { initialTorchWeights } from '../model/torch-weights.js';
import type { AxonmlInput } from './axonml.js';
import { decodeAxonml, encodeAxonml, float32Text } from './axonml.js';

const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

function hyperparameters() {
  const v = validateHyperparameters('lstm_autoencoder', { hidden_dim: 8, bottleneck_dim: 4, sequence_length: 5 });
  if (!v.ok) throw new Error('bad');
  return v.value.hyperparameters;
}

describe('.axonml codec', () => {
  it('writes exactly the documented layout', () => {
    const input: AxonmlInput = {
      architecture: 'lstm_autoencoder', input_features: 2, hyperparameters: hyperparameters(),
      weights: Float32Array.from([0.5, -1.25, 0.1]), norm_means: [1, 2], norm_stds: [0.5, 4], anomaly_threshold: 0.25,
    };
    const header = '{"architecture":"lstm_autoencoder","input_features":2,"num_parameters":3,"quantized":false,"quant_bits":32}';
    const weights = '{"architecture":"lstm_autoencoder","input_features":2,"hyperparameters":{"learning_rate":0.001,"epochs":100,"batch_size":32,"sequence_length":5,"hidden_dim":8,"num_layers":2,"dropout":0.1,"weight_decay":0,"early_stopping_patience":10,"val_check_interval":1},"weights":[0.5,-1.25,0.1],"norm_means":[1,2],"norm_stds":[0.5,4],"anomaly_threshold":0.25}';
    const te = new TextEncoder();
    const expected = Uint8Array.from([...te.encode('AXONML'), 1, ...u32(header.length), ...te.encode(header), ...u32(weights.length), ...te.encode(weights)]);
    expect(Buffer.from(encodeAxonml(input)).equals(Buffer.from(expected))).toBe(true);
  });

  it('round-trips a real model bit for bit and marks int8 files', () => {
    const hp = hyperparameters();
    const spec = modelSpec('lstm_autoencoder', 3, hp);
    const weights = initialTorchWeights(spec, 7);
    const input: AxonmlInput = { architecture: 'lstm_autoencoder', input_features: 3, hyperparameters: hp, weights, norm_means: [0.1, 2, 3], norm_stds: [1, 1, 2], anomaly_threshold: 0.0123 };
    const back = decodeAxonml(encodeAxonml(input));
    expect(back.header).toEqual({ architecture: 'lstm_autoencoder', input_features: 3, num_parameters: parameterCount(spec), quantized: false, quant_bits: 32 });
    expect(Buffer.from(back.weights.buffer).equals(Buffer.from(weights.buffer))).toBe(true);
    expect(back.norm_means).toEqual([0.1, 2, 3]);
    expect(back.anomaly_threshold).toBe(0.0123);
    expect(decodeAxonml(encodeAxonml({ ...input, quantized: true })).header).toMatchObject({ quantized: true, quant_bits: 8 });
  });

  it('writes float32 values as their shortest exact text and rejects damaged files', () => {
    expect(float32Text(Math.fround(0.1))).toBe('0.1');
    expect(float32Text(Math.fround(1 / 3))).toBe('0.33333334');
    const bytes = encodeAxonml({ architecture: 'sentinel', input_features: 1, hyperparameters: hyperparameters(), weights: new Float32Array(2), norm_means: [0], norm_stds: [1], anomaly_threshold: 0.5 });
    expect(() => decodeAxonml(bytes.subarray(0, 20))).toThrow(/truncated/);
    const bad = Uint8Array.from(bytes);
    bad[0] = 66;
    expect(() => decodeAxonml(bad)).toThrow(/magic/);
  });
});
