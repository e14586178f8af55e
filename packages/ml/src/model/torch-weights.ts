import * as tf from '@tensorflow/tfjs';
import type { ModelSpec, TorchGroup } from './spec.js';
import { parameterCount, torchGroups, torchTensors } from './spec.js';

// tfjs keeps Dense kernels as [in, out] and our recurrent kernels as [in, G*h] / [h, G*h];
// PyTorch (and .axonml) wants [out, in] and [G*h, in] / [G*h, h]: a transpose, gate order is shared.

function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c] as number;
  return out;
}

function layerArrays(model: tf.LayersModel, group: TorchGroup): Float32Array[] {
  return model.getLayer(group.name).getWeights().map((w) => w.dataSync() as Float32Array);
}

/** The model's parameters as one flat Float32Array in PyTorch order. */
export function exportTorchWeights(model: tf.LayersModel, spec: ModelSpec): Float32Array {
  const flat = new Float32Array(parameterCount(spec));
  let offset = 0;
  const put = (a: Float32Array): void => {
    flat.set(a, offset);
    offset += a.length;
  };
  for (const group of torchGroups(spec)) {
    const arrays = layerArrays(model, group);
    if (group.kind === 'linear') {
      const [kernel, bias] = arrays as [Float32Array, Float32Array];
      put(transpose2d(kernel, group.inFeatures, group.outFeatures));
      put(bias);
    } else {
      const [kernel, recurrent, biasIh, biasHh] = arrays as [Float32Array, Float32Array, Float32Array, Float32Array];
      const g = kernel.length / group.inFeatures;
      put(transpose2d(kernel, group.inFeatures, g));
      put(transpose2d(recurrent, group.hidden, g));
      put(biasIh);
      put(biasHh);
    }
  }
  return flat;
}

/** Loads flat PyTorch-ordered parameters into the tfjs model (inverse of exportTorchWeights). */
export function importTorchWeights(model: tf.LayersModel, spec: ModelSpec, flat: Float32Array): void {
  if (flat.length !== parameterCount(spec)) throw new Error(`weights: expected ${parameterCount(spec)} values, got ${flat.length}`);
  let offset = 0;
  const take = (n: number): Float32Array => {
    const a = flat.subarray(offset, offset + n);
    offset += n;
    return a;
  };
  for (const group of torchGroups(spec)) {
    const layer = model.getLayer(group.name);
    const values = torchTensors(group).map((t) => take(t.shape.reduce((a, b) => a * b, 1)));
    let tensors: tf.Tensor[];
    if (group.kind === 'linear') {
      const [w, b] = values as [Float32Array, Float32Array];
      tensors = [tf.tensor2d(transpose2d(w, group.outFeatures, group.inFeatures), [group.inFeatures, group.outFeatures]), tf.tensor1d(b)];
    } else {
      const [wih, whh, bih, bhh] = values as [Float32Array, Float32Array, Float32Array, Float32Array];
      const g = bih.length;
      tensors = [
        tf.tensor2d(transpose2d(wih, g, group.inFeatures), [group.inFeatures, g]),
        tf.tensor2d(transpose2d(whh, g, group.hidden), [group.hidden, g]),
        tf.tensor1d(bih),
        tf.tensor1d(bhh),
      ];
    }
    layer.setWeights(tensors);
    tf.dispose(tensors);
  }
}

/** mulberry32: small, fast, good enough for initial weights and shuffling. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** PyTorch's default initialisation: U(-1/sqrt(h), 1/sqrt(h)) for RNNs, U(-1/sqrt(in), ..) for Linear. */
export function initialTorchWeights(spec: ModelSpec, seed: number): Float32Array {
  const random = seededRandom(seed);
  const flat = new Float32Array(parameterCount(spec));
  let offset = 0;
  for (const group of torchGroups(spec)) {
    const bound = 1 / Math.sqrt(group.kind === 'linear' ? group.inFeatures : group.hidden);
    for (const t of torchTensors(group)) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      for (let i = 0; i < n; i++) flat[offset + i] = (random() * 2 - 1) * bound;
      offset += n;
    }
  }
  return flat;
}
