import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { scoreTable } from '../model/score-table.js';
import type { TrainingResult } from '../training/result.js';
import { runTraining } from '../training/run.js';
import { syntheticTable } from '../test-support/synthetic.js';
import { loadInferenceModel, normalizeWindow, StreamScorer } from './index.js';

let ae: TrainingResult;
let gru: TrainingResult;
const table = syntheticTable(500, 4, [[380, 430]]);

beforeAll(async () => {
  const hp = { hidden_dim: 8, bottleneck_dim: 4, num_layers: 1, sequence_length: 10, stride: 2, epochs: 2 };
  ae = await runTraining({ architecture: 'lstm_autoencoder', hyperparameters: hp, data: table });
  gru = await runTraining({ architecture: 'gru_predictor', hyperparameters: hp, data: table });
});

function rawRows(result: TrainingResult, end: number): number[][] {
  const m = result.model.metadata;
  const idx = m.feature_columns.map((f) => table.columns.indexOf(f));
  return Array.from({ length: m.sequence_length }, (_, t) => idx.map((c) => (table.values[c] as Float64Array)[end - m.sequence_length + 1 + t] as number));
}

describe('edge inference wrapper', () => {
  it.each(['onnxruntime-node', 'onnxruntime-web', 'onnx-js'] as const)('%s scores raw windows as the hub does (tfjs)', async (runtime) => {
    for (const result of [ae, gru]) {
      const reference = await scoreTable(result.model, table, 1);
      const model = await loadInferenceModel(result.model.onnx, result.model.metadata, { runtime });
      expect(model.runtime).toBe(runtime);
      for (const end of [120, 300, 420]) {
        const k = Array.from(reference.ends).indexOf(table.timestamps[end] as number);
        const out = await model.scoreWindow(rawRows(result, end));
        expect(Math.abs(out.score - (reference.scores[k] as number))).toBeLessThanOrEqual(1e-4);
        expect(out.anomaly).toBe(out.score > result.model.metadata.threshold);
        if (result === gru) expect(out.probabilities).toHaveLength(3);
      }
      await model.close();
    }
  });

  it('runs the int8 model; its scores differ from float by the measured quantization delta at most', async () => {
    const float = await loadInferenceModel(ae.model.onnx, ae.model.metadata);
    const int8 = await loadInferenceModel(ae.model.onnx_int8, ae.model.metadata);
    // The measured delta is on the reported (persisted) scores of the validation windows: the last 20% of the
    // rows, a window every `stride` (2) rows.
    const [a, b] = [new StreamScorer(ae.model.metadata), new StreamScorer(ae.model.metadata)];
    let d = 0;
    for (let end = 409; end < 500; end += 2) {
      const rows = rawRows(ae, end);
      const ts = table.timestamps[end] as number;
      d = Math.max(d, Math.abs(a.next(ts, await float.scoreWindow(rows)).score - b.next(ts, await int8.scoreWindow(rows)).score));
    }
    expect(d).toBeGreaterThan(0);
    expect(d).toBeLessThanOrEqual(ae.quantization.max_abs_score_delta + 1e-4);
  });

  it('onnxruntime-web runs from a wasm binary given as bytes, in a fresh process (the armv7 path)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ml-inference-'));
    writeFileSync(join(dir, 'model.onnx'), gru.model.onnx_int8);
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify(gru.model.metadata));
    const script = fileURLToPath(new URL('../test-support/web-runtime-from-file.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, join(dir, 'model.onnx'), join(dir, 'metadata.json')]);
    const out = JSON.parse(stdout.trim().split('\n').pop() as string) as { runtime: string; score: number };
    const local = await loadInferenceModel(gru.model.onnx_int8, gru.model.metadata, { runtime: 'onnxruntime-node' });
    const m = gru.model.metadata;
    const rows = Array.from({ length: m.sequence_length }, (_, t) => m.feature_columns.map((_, f) => Math.sin(t + f)));
    expect(out.runtime).toBe('onnxruntime-web');
    expect(Math.abs(out.score - (await local.scoreWindow(rows)).score)).toBeLessThanOrEqual(1e-5);
  });

  it('scoreTable needs no labels, even for a supervised model, and gives none then', async () => {
    const unlabelled = { columns: table.columns.slice(0, -1), timestamps: table.timestamps, values: table.values.slice(0, -1) };
    const scored = await scoreTable(gru.model, unlabelled, { stride: 5 });
    expect(scored.labels).toBeNull();
    expect(scored.scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    const labelled = await scoreTable(gru.model, table, { stride: 5 });
    expect(Array.from(labelled.scores)).toEqual(Array.from(scored.scores.subarray(0, labelled.scores.length)));
    expect(labelled.labels).not.toBeNull();
    expect((await scoreTable(gru.model, table, { stride: 5, labelColumn: null })).labels).toBeNull();
  });

  it('normalizes with the training statistics and fills gaps like training', () => {
    const meta = { norm_means: [10, 0], norm_stds: [2, 1], sequence_length: 3, feature_columns: ['a', 'b'] };
    expect(Array.from(normalizeWindow(meta, [[Number.NaN, 1], [14, null], [12, 3]]))).toEqual([0, 1, 2, 1, 1, 3]);
    expect(() => normalizeWindow(meta, [[1, 2]])).toThrow(/3 rows/);
  });

  it('does not load tfjs: the inference sources import only each other, onnxruntime and onnx-proto', () => {
    const dir = fileURLToPath(new URL('.', import.meta.url));
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const source = readFileSync(`${dir}/${file}`, 'utf8');
      const imports = [...source.matchAll(/^(import|export)\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)];
      for (const [, , typeOnly, from] of imports) {
        // The scoring rules and drift histograms the hub shares with the edge live beside the model, and import no
        // tfjs either.
        const shared = ['../model/persistence.js', '../model/envelope.js', '../model/distribution.js'].includes(from!);
        const allowed = typeOnly !== undefined || shared || from!.startsWith('./') || from!.startsWith('onnxruntime-') || from === 'onnx-proto';
        expect(allowed, `${file} imports ${from}`).toBe(true);
      }
      expect(source).not.toMatch(/@tensorflow/);
    }
    for (const file of ['persistence.ts', 'distribution.ts']) {
      const source = readFileSync(fileURLToPath(new URL(`../model/${file}`, import.meta.url)), 'utf8');
      expect([...source.matchAll(/^import\s+(?!type\s)/gm)], `${file} imports values`).toHaveLength(0);
    }
  });
});
