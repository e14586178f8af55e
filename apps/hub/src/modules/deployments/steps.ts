import fs from 'node:fs/promises';
import { decodeAxonml, exportOnnx, modelSpec, quantizeWeights, type ModelMetadata, type ModelSpec } from '@prometheus/ml/core';
import { loadInferenceModel, type RuntimeName } from '@prometheus/ml/inference';
import type { AlertPolicy, DeployManifest, DeployRules } from '@prometheus/protocol';
import { targetRuntime, type EdgeArch } from './arch.js';
import { sha256Hex } from './package-files.js';

// The hub's side of a deployment, one real step each: compile (ONNX exported from the model's weights and
// run in the target's runtime), quantize (int8 weights, run and compared), package (manifest with what the
// agent needs, the package's sha256, signed). compile and quantize load onnxruntime: they run in a worker
// thread (steps-worker.ts), so its memory goes when the steps are done.

export interface Compiled {
  metadata: ModelMetadata;
  spec: ModelSpec;
  weights: Float32Array;
  onnx: Uint8Array;
  runtime: RuntimeName;
  floatScore: number;
}

export interface Quantized {
  onnx: Uint8Array;
  score: number;
  /** |int8 - float| on the health window. */
  delta: number;
}

/** Deterministic raw rows around the training means: the window the health inference scores. */
export function healthRows(m: Pick<ModelMetadata, 'sequence_length' | 'norm_means' | 'norm_stds' | 'feature_columns'>): number[][] {
  return Array.from({ length: m.sequence_length }, (_, t) => m.feature_columns.map((_, f) => {
    const v = (m.norm_means[f] as number) + 0.5 * (m.norm_stds[f] as number) * Math.sin(t / 3 + f);
    return Number(v.toPrecision(9));
  }));
}

async function scoreIn(runtime: Compiled['runtime'], onnx: Uint8Array, metadata: ModelMetadata): Promise<number> {
  const model = await loadInferenceModel(onnx, metadata, { runtime });
  try {
    const { score } = await model.scoreWindow(healthRows(metadata));
    if (!Number.isFinite(score)) throw new Error(`the model scores the health window as ${score}`);
    return score;
  } finally {
    await model.close();
  }
}

const onnxMetadata = (m: ModelMetadata, arch: EdgeArch | undefined) =>
  ({ prometheus_metadata: JSON.stringify({ ...m, hyperparameters: undefined }), prometheus_target_arch: arch ?? 'unknown' });

/** compiling: the float weights (.axonml) exported to ONNX for the target and run in its runtime. */
export async function compile(axonmlFile: string, metadata: ModelMetadata, arch: EdgeArch | undefined): Promise<Compiled> {
  const axon = decodeAxonml(new Uint8Array(await fs.readFile(axonmlFile)));
  const spec = modelSpec(metadata.architecture, metadata.feature_columns.length, metadata.hyperparameters, metadata.linear_stage ?? null);
  const onnx = exportOnnx(spec, axon.weights, null, onnxMetadata(metadata, arch));
  const runtime = targetRuntime(arch);
  return { metadata, spec, weights: axon.weights, onnx, runtime, floatScore: await scoreIn(runtime, onnx, metadata) };
}

/** quantizing: int8 weight matrices (symmetric per tensor), exported and run in the target's runtime. */
export async function quantize(c: Compiled, arch: EdgeArch | undefined): Promise<Quantized> {
  const q = quantizeWeights(c.weights, c.spec);
  const onnx = exportOnnx(c.spec, c.weights, q, onnxMetadata(c.metadata, arch));
  const score = await scoreIn(c.runtime, onnx, c.metadata);
  return { onnx, score, delta: Math.abs(score - c.floatScore) };
}

export interface ManifestInput {
  deploymentId: string;
  targetId: string;
  modelId: string;
  modelVersion: string;
  createdAt: string;
  metadata: ModelMetadata;
  model: Uint8Array;
  quantized: boolean;
  healthScore: number;
  alerts: AlertPolicy;
  rules: DeployRules | null;
  /** `shadow`: the agent runs it beside its live model (absent from the manifest when live, as before). */
  mode?: 'live' | 'shadow';
}

/** packaging: the manifest the agent verifies against (its JSON text is what gets signed). */
export function buildManifest(i: ManifestInput): DeployManifest {
  const m = i.metadata;
  const model: DeployManifest['model'] = {
    format: 'prometheus-model/1', architecture: m.architecture, feature_columns: m.feature_columns, label_column: m.label_column,
    norm_means: m.norm_means, norm_stds: m.norm_stds, sequence_length: m.sequence_length, sampling_interval_seconds: m.sampling_interval_seconds,
    threshold: m.threshold, threshold_kind: m.threshold_kind, input_name: 'window', output_names: m.output_names,
    horizons_minutes: m.horizons_minutes, num_parameters: m.num_parameters,
    ...(m.scoring ? { scoring: m.scoring } : {}), ...(m.envelope ? { envelope: m.envelope } : {}),
    ...(m.distribution ? { distribution: m.distribution } : {}),
  };
  return {
    format: 'prometheus-deploy/1', deployment_id: i.deploymentId, target_id: i.targetId, model_id: i.modelId,
    model_version: i.modelVersion, created_at: i.createdAt,
    package: { file: 'model.onnx', size: i.model.byteLength, sha256: sha256Hex(i.model), quantized: i.quantized },
    model, alerts: i.alerts,
    // wasm and native kernels differ in the last float bits; anything beyond this is a different model.
    health: { rows: healthRows(i.metadata), expected_score: i.healthScore, tolerance: Math.max(1e-4, Math.abs(i.healthScore) * 1e-3) },
    ...(i.rules ? { rules: i.rules } : {}), ...(i.mode === 'shadow' ? { mode: 'shadow' as const } : {}),
  };
}

/** packaging a rules-only deployment: no model, no package bytes; the manifest carries the point map and settings. */
export function buildRulesManifest(i: Pick<ManifestInput, 'deploymentId' | 'targetId' | 'modelVersion' | 'createdAt'> & { rules: DeployRules }): DeployManifest {
  return {
    format: 'prometheus-deploy/1', deployment_id: i.deploymentId, target_id: i.targetId, model_id: null, model_version: i.modelVersion,
    created_at: i.createdAt, package: null, model: null, alerts: null, health: null, rules: i.rules,
  };
}

/** Default hysteresis: 3 windows above the threshold raise, 3 below 0.8 x threshold clear. */
export function alertPolicy(threshold: number, given: Partial<AlertPolicy> = {}): AlertPolicy {
  return { raise_windows: given.raise_windows ?? 3, clear_windows: given.clear_windows ?? 3, clear_threshold: given.clear_threshold ?? threshold * 0.8 };
}
