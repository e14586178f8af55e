import * as tf from '@tensorflow/tfjs';
import type { WindowSet } from '../data/prepare.js';
import { batchTensors } from '../training/batches.js';
import type { ModelSpec } from './spec.js';

export interface WindowScores {
  /** Per window: autoencoder mean squared reconstruction error; else the first output's probability. */
  scores: Float64Array;
  /** Raw outputs for supervised models ([n, 3] or [n, 1]); null for the autoencoder. */
  probabilities: Float32Array | null;
  /** Autoencoder: each feature's contribution (see contributionWeights) summed over all windows and steps; else null. */
  featureErrors: Float64Array | null;
  /** Autoencoder: per window, each feature's mean contribution over the steps ([n, F]); else null. */
  windowFeatureErrors: Float32Array | null;
}

/**
 * Which feature carries a window's error. Plain autoencoder: its squared error. With a linear stage, a deviation of
 * one sensor spreads over every feature linked to it by the linear relations (the residual of an offset d on
 * feature s is d times column s of the residual projector Q), and a linked feature with a larger weight in Q would
 * be blamed. Its reconstruction-based contribution, squared error / Q_jj (Alcala and Qin, 2009), is largest for the
 * sensor that moved (Cauchy-Schwarz: Q_js^2 <= Q_jj Q_ss). Q_jj is floored so a feature the stage explains fully
 * (Q_jj ~ 0) is not inflated by the LSTM's small correction.
 */
export function contributionWeights(spec: ModelSpec): Float64Array {
  const F = spec.inputFeatures;
  const stage = spec.linear;
  return Float64Array.from({ length: F }, (_, j) => (stage ? 1 / Math.max(stage.residual[j * F + j] as number, 0.05) : 1));
}

/** Runs a tfjs model over windows in batches and reduces its outputs to per-window scores. */
export function scoreWindows(model: tf.LayersModel, spec: ModelSpec, set: WindowSet, batchSize = 256): WindowScores {
  const shape = { steps: spec.sequenceLength, features: spec.inputFeatures };
  const scores = new Float64Array(set.count);
  const ae = spec.architecture === 'lstm_autoencoder';
  const width = spec.architecture === 'gru_predictor' ? 3 : 1;
  const probabilities = ae ? null : new Float32Array(set.count * width);
  const featureErrors = ae ? new Float64Array(spec.inputFeatures) : null;
  const F = spec.inputFeatures;
  const windowFeatureErrors = ae ? new Float32Array(set.count * F) : null;
  const weights = contributionWeights(spec);
  for (let start = 0; start < set.count; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, set.count - start) }, (_, k) => start + k);
    tf.tidy(() => {
      const { x } = batchTensors(set, idx, shape);
      const out = model.apply(x, { training: false }) as tf.Tensor;
      if (!ae) {
        const p = out.dataSync() as Float32Array;
        probabilities!.set(p, start * width);
        idx.forEach((_, k) => (scores[start + k] = p[k * width] as number));
        return;
      }
      const sq = tf.squaredDifference(out, x).dataSync() as Float32Array;
      const per = shape.steps * shape.features;
      idx.forEach((_, k) => {
        let sum = 0;
        for (let j = 0; j < per; j++) {
          const e = sq[k * per + j] as number;
          sum += e;
          const c = e * (weights[j % F] as number);
          featureErrors![j % F] = (featureErrors![j % F] as number) + c;
          windowFeatureErrors![(start + k) * F + (j % F)] = (windowFeatureErrors![(start + k) * F + (j % F)] as number) + c / shape.steps;
        }
        scores[start + k] = sum / per;
      });
    });
  }
  return { scores, probabilities, featureErrors, windowFeatureErrors };
}

/** Labels the metrics compare against: gru_predictor's first horizon target, else the window label. */
export function metricLabels(spec: ModelSpec, set: WindowSet): Uint8Array | null {
  if (spec.architecture === 'gru_predictor' && set.y) return Uint8Array.from({ length: set.count }, (_, i) => ((set.y![i * 3] as number) > 0 ? 1 : 0));
  return set.labels;
}
