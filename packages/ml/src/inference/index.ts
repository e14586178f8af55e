// @prometheus/ml/inference: runs an exported ONNX model at the edge from its metadata.
// Imports no tfjs (only types from the package), so the edge bundle stays small.
import type { ModelMetadata } from '../model/metadata.js';
import type { OrtSession, RuntimeName, RuntimeOptions } from './runtime.js';
import { loadRuntime } from './runtime.js';

export type { ModelMetadata } from '../model/metadata.js';
export type { RuntimeName, RuntimeOptions } from './runtime.js';
export { persistenceMinutes, persistScores, TrailingMean } from '../model/persistence.js';
export { StreamScorer, type StreamResult } from './stream.js';
export type { OperatingEnvelope } from '../model/envelope.js';
export { outsideEnvelope, windowOutsideEnvelope } from '../model/envelope.js';

export interface WindowResult {
  /** Autoencoder: reconstruction error; supervised: fault probability (first horizon for the predictor). */
  score: number;
  /** score > metadata.threshold. */
  anomaly: boolean;
  threshold: number;
  /** gru_predictor: [within 5, 15, 30 min]; sentinel: [fault]; autoencoder: null. */
  probabilities: number[] | null;
  /** sentinel: 1 - fault probability; else null. */
  health_score: number | null;
}

/**
 * Z-scores raw rows into a [T, F] float32 window with the model's training statistics. Rows are
 * feature values in metadata.feature_columns order; a missing value (NaN/null) takes the previous
 * row's value, or the training mean at the start (the same rule as training).
 */
export function normalizeWindow(metadata: Pick<ModelMetadata, 'norm_means' | 'norm_stds' | 'sequence_length' | 'feature_columns'>, rows: ArrayLike<number | null>[]): Float32Array {
  const T = metadata.sequence_length;
  const F = metadata.feature_columns.length;
  if (rows.length !== T) throw new Error(`window needs ${T} rows, got ${rows.length}`);
  const out = new Float32Array(T * F);
  for (let f = 0; f < F; f++) {
    const mean = metadata.norm_means[f] as number;
    const std = metadata.norm_stds[f] as number;
    let last = mean;
    for (let t = 0; t < T; t++) {
      const row = rows[t] as ArrayLike<number | null>;
      if (row.length !== F) throw new Error(`row ${t} has ${row.length} values, the model takes ${F}`);
      const v = row[f];
      if (typeof v === 'number' && Number.isFinite(v)) last = v;
      out[t * F + f] = (last - mean) / std;
    }
  }
  return out;
}

export interface InferenceModel {
  runtime: RuntimeName;
  metadata: ModelMetadata;
  /** Scores windows already normalized ([n, T, F] flat). */
  runNormalized(windows: Float32Array, count: number): Promise<WindowResult[]>;
  /** Normalizes one window of raw rows and scores it. */
  scoreWindow(rows: ArrayLike<number | null>[]): Promise<WindowResult>;
  close(): Promise<void>;
}

function results(metadata: ModelMetadata, outputs: Record<string, { data: unknown }>, count: number): WindowResult[] {
  const threshold = metadata.threshold;
  if (metadata.architecture === 'lstm_autoencoder') {
    const score = outputs.score!.data as Float32Array;
    return Array.from({ length: count }, (_, i) => ({ score: score[i] as number, anomaly: (score[i] as number) > threshold, threshold, probabilities: null, health_score: null }));
  }
  const name = metadata.architecture === 'gru_predictor' ? 'probabilities' : 'probability';
  const p = outputs[name]!.data as Float32Array;
  const width = p.length / count;
  return Array.from({ length: count }, (_, i) => {
    const probs = Array.from(p.subarray(i * width, (i + 1) * width));
    const score = probs[0] as number;
    return { score, anomaly: score > threshold, threshold, probabilities: probs, health_score: metadata.architecture === 'sentinel' ? 1 - score : null };
  });
}

/** Opens an exported ONNX model (float or int8) for scoring. */
export async function loadInferenceModel(onnx: Uint8Array, metadata: ModelMetadata, options: RuntimeOptions = {}): Promise<InferenceModel> {
  const { name, ort } = await loadRuntime(options);
  // 'basic' keeps DequantizeLinear -> MatMul as written (weight-only int8); at 'all' onnxruntime
  // also quantizes activations there, and the edge would then score differently from the hub.
  const session: OrtSession = await ort.InferenceSession.create(onnx, { graphOptimizationLevel: 'basic', ...(name === 'onnxruntime-web' ? { executionProviders: ['wasm'] } : {}) });
  const T = metadata.sequence_length;
  const F = metadata.feature_columns.length;
  const model: InferenceModel = {
    runtime: name,
    metadata,
    async runNormalized(windows, count) {
      if (windows.length !== count * T * F) throw new Error(`expected ${count}x${T}x${F} values, got ${windows.length}`);
      const outputs = await session.run({ window: new ort.Tensor('float32', windows, [count, T, F]) });
      return results(metadata, outputs, count);
    },
    async scoreWindow(rows) {
      return (await model.runNormalized(normalizeWindow(metadata, rows), 1))[0] as WindowResult;
    },
    async close() {
      await session.release?.();
    },
  };
  return model;
}
export type { BinnedDistribution, TrainingDistribution } from '../model/distribution.js';
export { binDistribution, binIndex, histogram } from '../model/distribution.js';
