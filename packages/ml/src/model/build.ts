import * as tf from '@tensorflow/tfjs';
import { SeededDropout } from './dropout.js';
import { AddCorrection, LinearResidual } from './linear-layers.js';
import { FusedGRU, FusedLSTM } from './rnn-layers.js';
import type { ModelSpec } from './spec.js';

type Sym = tf.SymbolicTensor;

/** L stacked recurrent layers; dropout between layers as in PyTorch's `dropout` argument. */
function stack(x: Sym, spec: ModelSpec, kind: 'lstm' | 'gru', prefix: string, lastReturnsSequence: boolean, seed: number, repeat?: number): Sym {
  for (let l = 0; l < spec.layers; l++) {
    const args = { units: spec.hidden, returnSequences: l < spec.layers - 1 || lastReturnsSequence, name: `${prefix}_${l}`, ...(l === 0 && repeat ? { repeat } : {}) };
    x = (kind === 'lstm' ? new FusedLSTM(args) : new FusedGRU(args)).apply(x) as Sym;
    if (l < spec.layers - 1 && spec.dropout > 0) x = new SeededDropout({ rate: spec.dropout, seed: seed + l, name: `${prefix}_dropout_${l}` }).apply(x) as Sym;
  }
  return x;
}

function dense(x: Sym, units: number, name: string, activation?: 'relu' | 'sigmoid'): Sym {
  return tf.layers.dense({ units, name, kernelInitializer: 'zeros', ...(activation ? { activation } : {}) }).apply(x) as Sym;
}

/**
 * The three original architectures (axonml-format.md). Initial weights are zeros here; callers load
 * seeded PyTorch-style initial values (see init.ts) so a seed alone fixes the run.
 */
export function buildModel(spec: ModelSpec, seed = 0): tf.LayersModel {
  const input = tf.input({ shape: [spec.sequenceLength, spec.inputFeatures], name: 'window' });
  let out: Sym;
  switch (spec.architecture) {
    case 'lstm_autoencoder': {
      // With a linear stage the LSTM encodes what PCA leaves and its output corrects PCA's reconstruction.
      const residual = spec.linear ? (new LinearResidual({ stage: spec.linear, name: 'linear_stage' }).apply(input) as Sym) : input;
      const last = stack(residual, spec, 'lstm', 'encoder', false, seed);
      const code = dense(dense(last, spec.bottleneck, 'bottleneck'), spec.hidden, 'expand');
      // The decoder's first layer takes the code once and feeds it at every step (= RepeatVector).
      out = dense(stack(code, spec, 'lstm', 'decoder', true, seed + 100, spec.sequenceLength), spec.inputFeatures, 'output');
      if (spec.linear) out = new AddCorrection({ name: 'combined' }).apply([input, residual, out]) as Sym;
      break;
    }
    case 'gru_predictor': {
      const last = stack(input, spec, 'gru', 'gru', false, seed);
      out = dense(dense(last, spec.hidden, 'head', 'relu'), 3, 'output', 'sigmoid');
      break;
    }
    case 'sentinel': {
      // The MLP sees the window's per-feature mean (z-scored): one vector of `in` values, so the
      // original Linear(in,128) shape holds, and a window is smoothed rather than one noisy row.
      const mean = tf.layers.globalAveragePooling1d({ name: 'window_mean' }).apply(input) as Sym;
      out = dense(dense(dense(mean, 128, 'fc1', 'relu'), 64, 'fc2', 'relu'), 1, 'output', 'sigmoid');
      break;
    }
  }
  return tf.model({ inputs: input, outputs: out, name: spec.architecture });
}
