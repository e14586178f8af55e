import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { loadInferenceModel, type InferenceModel, type ModelMetadata, type RuntimeOptions } from '@prometheus/ml/inference';
import { DeployManifest } from '@prometheus/protocol';
import { isSea, onnxWasmPath } from '../sea-runtime.js';

// An installed model (`models/<deployment>/model.onnx` + `manifest.json`) opened for inference: onnxruntime-node
// where it has a binary; inside the armv7 executable the JavaScript evaluator by default, or onnxruntime-web's
// wasm (from the file beside the executable) when the config names it.
export const MODEL_FILE = 'model.onnx';
export const MANIFEST_FILE = 'manifest.json';

/** A manifest that carries a model (a rules-only deployment's has none: see rules.ts). */
export type ModelManifest = DeployManifest & {
  model_id: string;
  package: NonNullable<DeployManifest['package']>;
  model: NonNullable<DeployManifest['model']>;
  health: NonNullable<DeployManifest['health']>;
  alerts: NonNullable<DeployManifest['alerts']>;
};

export const hasModel = (m: DeployManifest): m is ModelManifest => m.model_id !== null && m.package !== null && m.model !== null && m.health !== null && m.alerts !== null;

export interface LoadedModel {
  dir: string;
  manifest: ModelManifest;
  model: InferenceModel;
}

let wasmBinary: Uint8Array | undefined;

/** The manifest's model section as @prometheus/ml's metadata (training hyperparameters are not needed to run). */
export function metadataOf(manifest: ModelManifest): ModelMetadata {
  return { ...manifest.model, hyperparameters: undefined } as unknown as ModelMetadata;
}

export async function readManifest(dir: string): Promise<DeployManifest> {
  return DeployManifest.parse(JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8')));
}

export type RuntimeChoice = 'auto' | 'onnx-js' | 'onnxruntime-web' | 'onnxruntime-node';

/** What 'auto' means where the agent runs: the armv7 executable has no onnxruntime-node and little memory. */
export function resolveRuntime(choice: RuntimeChoice): NonNullable<RuntimeOptions['runtime']> {
  return choice === 'auto' && isSea() ? 'onnx-js' : choice;
}

/** Opens an installed model; refuses files that do not match their manifest (never runs a broken model). */
export async function loadModel(dir: string, choice: RuntimeChoice = 'auto'): Promise<LoadedModel> {
  const manifest = await readManifest(dir);
  if (!hasModel(manifest)) throw new Error(`${dir} holds a rules-only deployment: there is no model to open`);
  const bytes = await fs.readFile(path.join(dir, MODEL_FILE));
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== manifest.package.sha256) throw new Error(`${path.join(dir, MODEL_FILE)} does not match its manifest (sha256 ${sha.slice(0, 12)}…)`);
  const runtime = resolveRuntime(choice);
  if (isSea() && runtime !== 'onnx-js' && !wasmBinary) {
    // onnxruntime-web's wasm compiled by Liftoff only: TurboFan tier-up of its hot functions costs ~65 MB more
    // memory (measured natively on x64: 175 -> 109 MB) to score a window ~2.4x faster, when one comes every 15 s.
    // Set before the first wasm compile, which is when V8 reads it.
    v8.setFlagsFromString('--liftoff-only');
    wasmBinary = readFileSync(onnxWasmPath());
  }
  const model = await loadInferenceModel(bytes, metadataOf(manifest), { runtime, ...(wasmBinary ? { wasmBinary } : {}) });
  return { dir, manifest, model };
}

/** The health inference: the manifest's window must score what the hub computed with the same file. */
export async function healthCheck(loaded: LoadedModel): Promise<{ score: number; runtime: string }> {
  const { rows, expected_score: expected, tolerance } = loaded.manifest.health;
  const { score } = await loaded.model.scoreWindow(rows);
  if (!Number.isFinite(score) || Math.abs(score - expected) > tolerance) {
    throw new Error(`health inference scored ${score} where the hub expects ${expected} (tolerance ${tolerance}) with ${loaded.model.runtime}`);
  }
  return { score, runtime: loaded.model.runtime };
}
