import type { ModelSpec } from '../model/spec.js';
import { torchGroups, torchTensors } from '../model/spec.js';

/** One PyTorch tensor after int8 quantization; biases stay float32 (small, and precision-critical). */
export interface QuantizedTensor {
  name: string;
  shape: number[];
  /** int8 values when quantized, else null (then `values` holds float32 data). */
  q: Int8Array | null;
  scale: number;
  values: Float32Array;
}

export interface QuantizedWeights {
  tensors: QuantizedTensor[];
  /** The flat PyTorch-order weights after quantize -> dequantize (what an int8 model computes with). */
  dequantized: Float32Array;
  /** Bytes of the stored parameters: int8 matrices + one f32 scale each + f32 biases. */
  bytes: number;
  floatBytes: number;
}

/** Symmetric per-tensor int8, as the original: scale = max|w| / 127, round, clamp to +-127. */
export function quantizeSymmetric(values: Float32Array): { q: Int8Array; scale: number } {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const scale = max > 0 ? max / 127 : 1;
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round((values[i] as number) / scale)));
  return { q, scale };
}

/** Quantizes every weight matrix of a flat PyTorch-order weight vector. */
export function quantizeWeights(flat: Float32Array, spec: ModelSpec): QuantizedWeights {
  const tensors: QuantizedTensor[] = [];
  const dequantized = new Float32Array(flat.length);
  let offset = 0;
  let bytes = 0;
  for (const t of torchGroups(spec).flatMap(torchTensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const values = flat.slice(offset, offset + n);
    if (t.shape.length === 2) {
      const { q, scale } = quantizeSymmetric(values);
      // Math.fround: dequantize exactly as a float32 runtime (DequantizeLinear) does.
      for (let i = 0; i < n; i++) dequantized[offset + i] = Math.fround((q[i] as number) * Math.fround(scale));
      tensors.push({ name: t.name, shape: t.shape, q, scale: Math.fround(scale), values });
      bytes += n + 4;
    } else {
      dequantized.set(values, offset);
      tensors.push({ name: t.name, shape: t.shape, q: null, scale: 1, values });
      bytes += 4 * n;
    }
    offset += n;
  }
  return { tensors, dequantized, bytes, floatBytes: flat.length * 4 };
}
