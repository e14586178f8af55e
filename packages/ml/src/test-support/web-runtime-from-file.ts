// Run by inference.test.ts in a fresh process: onnxruntime-web with its wasm binary handed over as
// bytes read from a file (how the armv7 single executable ships it), no onnxruntime-node.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadInferenceModel } from '../inference/index.js';
import type { ModelMetadata } from '../inference/index.js';

const [modelPath, metadataPath] = process.argv.slice(2) as [string, string];
const ortWebDir = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
const wasmBinary = readFileSync(join(ortWebDir, 'ort-wasm-simd-threaded.wasm'));
const metadata = JSON.parse(readFileSync(metadataPath, 'utf8')) as ModelMetadata;
const model = await loadInferenceModel(readFileSync(modelPath), metadata, { runtime: 'onnxruntime-web', wasmBinary });
const rows = Array.from({ length: metadata.sequence_length }, (_, t) => metadata.feature_columns.map((_, f) => Math.sin(t + f)));
const result = await model.scoreWindow(rows);
console.log(JSON.stringify({ runtime: model.runtime, score: result.score }));
