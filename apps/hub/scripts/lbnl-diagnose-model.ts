// Issue 14's model-assisted diagnosis through the hub's API, on an LBNL file: a model saved by lbnl-run.ts
// (metadata + weights) is registered in an in-process hub beside its training days (uploaded as their own
// dataset, so they are the diagnosis's reference days by default), the whole file is uploaded, its suggested point
// map confirmed, and POST /datasets/:id/diagnose runs twice: rules alone, then with model_id. Per day: the rules,
// the model's episodes (fault_condition "model") and their family, what stands.
//   node --import tsx apps/hub/scripts/lbnl-diagnose-model.ts SZVAV /tmp/szvav-model.json
// The model must have been trained by this checkout's code: the hub scores it with its own scoring.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeAxonml, type ModelMetadata, type TrainingResult } from '@prometheus/ml/core';
import type { DiagnosisView, PointMap } from '@prometheus/protocol';
import { createTestHub, type TestHub } from '../src/test/harness.js';
import { daysCsv, readSzvavDays } from '../src/test/szvav.js';
import { setTier, validatedDataset } from '../src/test/training.js';

const [name = 'SZVAV', modelFile] = process.argv.slice(2);
if (!modelFile) throw new Error('usage: lbnl-diagnose-model.ts <SZVAV|MZVAV-2-1> <model.json from lbnl-run.ts>');
const file = fileURLToPath(new URL(`../../../test/fixtures/lbnl/${name}.csv`, import.meta.url));
const saved = JSON.parse(fs.readFileSync(modelFile, 'utf8')) as { metadata: ModelMetadata; weights: number[]; train_days: string[] };

/** The saved model as a finished run's result: only what registering and scoring read is real; no figure of it is printed. */
function resultOf(metadata: ModelMetadata, weights: Float32Array): TrainingResult {
  const axonml = encodeAxonml({
    architecture: metadata.architecture, input_features: metadata.feature_columns.length, hyperparameters: metadata.hyperparameters as never,
    weights, norm_means: metadata.norm_means, norm_stds: metadata.norm_stds, anomaly_threshold: metadata.threshold,
  });
  const none = { accuracy: null, precision: null, recall: null, f1: null, auc_roc: null, count: 0, positives: 0, confusion_matrix: null };
  return {
    best_val_loss: 0, metrics: { ...none, val_loss: 0, reconstruction_error_threshold: metadata.threshold },
    quantization: { scheme: 'int8 symmetric per-tensor (weight matrices; biases float32)', float_parameter_bytes: 0, int8_parameter_bytes: 0, onnx_float_bytes: 0, onnx_int8_bytes: 0, max_abs_score_delta: 0, mean_abs_score_delta: 0, metrics_int8: none, f1_delta: null, auc_roc_delta: null },
    model: { metadata, num_parameters: metadata.num_parameters, weights, axonml, axonml_int8: axonml, onnx: new Uint8Array(), onnx_int8: new Uint8Array() },
  } as unknown as TrainingResult;
}

async function diagnose(t: TestHub, token: string, datasetId: string, body: object): Promise<DiagnosisView> {
  const res = await t.request('POST', `/api/v1/datasets/${datasetId}/diagnose`, { token, json: body });
  if (res.status !== 202) throw new Error(`diagnose answered ${res.status}: ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  for (;;) {
    const d = (await (await t.request('GET', `/api/v1/diagnoses/${id}`, { token })).json()) as DiagnosisView;
    if (d.status === 'failed') throw new Error(`diagnosis failed: ${d.error}`);
    if (d.status === 'completed') return d;
    await new Promise((r) => setTimeout(r, 500));
  }
}

const t = await createTestHub();
try {
  const token = await t.adminToken();
  await setTier(t, 'admin', 'enterprise');
  const days = readSzvavDays(file);
  const train = await validatedDataset(t, token, daysCsv(days, saved.train_days), `${name} training days`, 5);
  const all = await validatedDataset(t, token, daysCsv(days, [...days.days.keys()]), `${name} all days`, 5);
  const weights = Float32Array.from(saved.weights);
  const me = (await (await t.request('GET', '/api/v1/profile', { token })).json()) as { id: string };
  const model = await t.hub.services.models.register({ ownerId: me.id, name: `${name} saved model`, datasetId: train.id, equipmentType: 'ahu', trainingRunId: 'tr_saved', result: resultOf(saved.metadata, weights) });
  for (const id of [train.id, all.id]) {
    const map = (await (await t.request('GET', `/api/v1/datasets/${id}/points`, { token })).json()) as PointMap;
    await t.request('PUT', `/api/v1/datasets/${id}/points`, { token, json: { points: map.points } });
  }
  const rules = await diagnose(t, token, all.id, {});
  const withModel = await diagnose(t, token, all.id, { model_id: model.id });
  console.log(JSON.stringify({ file: name, model: withModel.model, reference: withModel.reference }));
  console.log('| day | label | rules: conditions | rules: family | model minutes | model families | with model + reference: minutes | family | standing |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [date, lines] of days.days) {
    const iso = new Date(`${date} UTC`).toISOString().slice(0, 10);
    const label = lines.filter((l) => l.trimEnd().endsWith(',1')).length / lines.length;
    const r = rules.days.find((d) => d.date === iso);
    const m = withModel.days.find((d) => d.date === iso);
    // Model episodes overlapping the day (UTC calendar, as the datasets are uploaded), clipped to it.
    const dayStart = Date.parse(`${iso}T00:00:00Z`);
    const dayEnd = dayStart + 86_400_000;
    const overlap = (e: { start: string; end: string }) => Math.max(0, Math.min(Date.parse(e.end), dayEnd) - Math.max(Date.parse(e.start), dayStart)) / 60_000;
    const onDay = withModel.episodes.filter((e) => e.fault_condition === 'model' && overlap(e) > 0);
    const families = [...new Set(onDay.map((e) => e.family))].join(', ') || '-';
    const minutes = Math.round(onDay.reduce((a, e) => a + overlap(e), 0));
    const standing = withModel.standing.filter((s) => s.days.some((d) => d.date === iso)).map((s) => `${s.fault_condition} ${s.family}`).join(', ') || '-';
    console.log(`| ${iso} | ${label.toFixed(2)} | ${r?.fault_conditions.join(', ') || '-'} | ${r?.family ?? '-'} | ${minutes} | ${families} | ${Math.round(m?.minutes ?? 0)} | ${m?.family ?? '-'} | ${standing} |`);
  }
  if (process.argv.includes('--episodes')) {
    for (const e of withModel.episodes.filter((x) => x.fault_condition === 'model')) console.log(`${e.start} ${e.minutes}min ${e.family} ${e.operating_state}: ${e.evidence.slice(0, 2).join(' ')}`);
  }
} finally {
  await t.close();
}
