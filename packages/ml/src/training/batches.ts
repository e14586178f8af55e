import * as tf from '@tensorflow/tfjs';
import type { WindowSet } from '../data/prepare.js';

export interface WindowShape {
  steps: number;
  features: number;
}

/** Copies the listed windows (and their targets; the window itself for the autoencoder) into tensors. */
export function batchTensors(set: WindowSet, indices: ArrayLike<number>, shape: WindowShape): { x: tf.Tensor3D; y: tf.Tensor } {
  const n = indices.length;
  const size = shape.steps * shape.features;
  const x = new Float32Array(n * size);
  for (let k = 0; k < n; k++) {
    const i = indices[k] as number;
    x.set(set.x.subarray(i * size, (i + 1) * size), k * size);
  }
  const xt = tf.tensor3d(x, [n, shape.steps, shape.features]);
  if (!set.y) return { x: xt, y: xt };
  const width = set.y.length / set.count;
  const y = new Float32Array(n * width);
  for (let k = 0; k < n; k++) {
    const i = indices[k] as number;
    y.set(set.y.subarray(i * width, (i + 1) * width), k * width);
  }
  return { x: xt, y: tf.tensor2d(y, [n, width]) };
}

/** Fisher-Yates with the run's seeded generator, so a seed fixes the batch order too. */
export function shuffled(count: number, random: () => number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}

/** Runs the model over a window set in batches (inference mode) and returns the raw outputs, row-major. */
export function predictAll(model: tf.LayersModel, set: WindowSet, shape: WindowShape, batchSize = 256): Float32Array {
  const chunks: Float32Array[] = [];
  for (let start = 0; start < set.count; start += batchSize) {
    const idx = Int32Array.from({ length: Math.min(batchSize, set.count - start) }, (_, k) => start + k);
    const out = tf.tidy(() => {
      const { x } = batchTensors(set, idx, shape);
      return (model.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array;
    });
    chunks.push(out);
  }
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const all = new Float32Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return all;
}
