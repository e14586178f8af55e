// Issue 14's detection check through the hub's API (in-process hub on a temporary data dir), on an LBNL file
// split as packages/ml/README.md's protocol says: upload the training days, train lstm_autoencoder with the
// given hyperparameters (default: none, the product's defaults), evaluate the test sets with the request's
// defaults, and save the model (metadata + weights) for packages/ml/scripts/lbnl-diagnose.ts.
//   node --import tsx apps/hub/scripts/lbnl-run.ts SZVAV '{"epochs":30}' /tmp/szvav-model.json
//   node --import tsx apps/hub/scripts/lbnl-run.ts MZVAV-2-1 '{}' /tmp/mzvav-model.json 40
// The optional last argument is a time budget in minutes: then the run is stopped through the API
// (POST /training/:id/stop: it ends with the best weights so far), as a user would stop it.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decodeAxonml, type ModelMetadata } from '@prometheus/ml/core';
import type { EvaluationDetail, ModelDetail } from '@prometheus/protocol';
import { createTestHub } from '../src/test/harness.js';
import { daysCsv, readSzvavDays, type SzvavDays } from '../src/test/szvav.js';
import { setTier, validatedDataset, waitForRun } from '../src/test/training.js';

const SPLITS: Record<string, { train: string[]; tests: Record<string, string[]>; relabel?: string[] }> = {
  SZVAV: {
    train: ['9/20/2017', '9/21/2017'],
    tests: { 'A: all other days': [], 'B: later days': ['9/22/2017', '9/23/2017', '9/24/2017'] },
  },
  'MZVAV-2-1': {
    train: ['8/19/2008', '8/25/2008', '9/4/2008'],
    tests: { 'all other days, 8/30/2007 faulty (fault list)': [] },
    relabel: ['8/30/2007'],
  },
};

const [name = 'SZVAV', hpText = '{}', out, budget] = process.argv.slice(2);
const split = SPLITS[name];
if (!split) throw new Error(`unknown file ${name}: one of ${Object.keys(SPLITS).join(', ')}`);
const hyperparameters = JSON.parse(hpText) as Record<string, unknown>;
const file = fileURLToPath(new URL(`../../../test/fixtures/lbnl/${name}.csv`, import.meta.url));

/** The fault list's label for days the CSV mislabels (MZVAV-2-1's 8/30/2007). */
function relabelled(d: SzvavDays, days: string[]): SzvavDays {
  const copy = new Map(d.days);
  for (const day of days) copy.set(day, (copy.get(day) ?? []).map((l) => l.replace(/,0\s*$/, ',1')));
  return { ...d, days: copy };
}

// tolerance_percent 5: the files have empty set-point cells (SZVAV 9/11 0:00-9:49), which the data README keeps as real dirt.
const t = await createTestHub();
try {
  const token = await t.adminToken();
  await setTier(t, 'admin', 'enterprise');
  const csvDays = readSzvavDays(file);
  const d = split.relabel ? relabelled(csvDays, split.relabel) : csvDays;
  const others = [...d.days.keys()].filter((day) => !split.train.includes(day));
  const train = await validatedDataset(t, token, daysCsv(d, split.train), `${name} training days`, 5);
  const tests: [string, string][] = [];
  for (const [label, days] of Object.entries(split.tests)) {
    tests.push([label, (await validatedDataset(t, token, daysCsv(d, days.length ? days : others), label, 5)).id]);
  }
  if (split.relabel) tests.push(['all other days, CSV labels', (await validatedDataset(t, token, daysCsv(csvDays, others), 'csv labels', 5)).id]);
  const started = Date.now();
  const startRes = await t.request('POST', '/api/v1/training/start', { token, json: { dataset_id: train.id, architecture: 'lstm_autoencoder', hyperparameters } });
  if (startRes.status !== 201) throw new Error(`start answered ${startRes.status}: ${await startRes.text()}`);
  const { id: runId } = (await startRes.json()) as { id: string };
  const timer = budget ? setTimeout(() => void t.request('POST', `/api/v1/training/${runId}/stop`, { token }), Number(budget) * 60_000) : undefined;
  const run = await waitForRun(t, token, runId, undefined, 6 * 3_600_000);
  clearTimeout(timer);
  if (run.status !== 'completed' && run.status !== 'stopped') throw new Error(`run ${run.status}: ${run.error}`);
  const model = (await (await t.request('GET', `/api/v1/models/${run.model_id}`, { token })).json()) as ModelDetail;
  const f = (x: number | null | undefined, n = 3) => (x === null || x === undefined ? 'n/a' : x.toFixed(n));
  console.log(JSON.stringify({ file: name, hyperparameters, epochs: run.current_epoch, stop: run.stop_reason, wall_seconds: Math.round((Date.now() - started) / 1000) }));
  console.log('| set | windows | ROC AUC | F1 | precision | recall | threshold | PCA AUC | PCA F1 | out of range | train time |');
  for (const [label, id] of tests) {
    const res = await t.request('POST', '/api/v1/evaluations', { token, json: { model_id: model.id, dataset_id: id } });
    if (res.status !== 201) throw new Error(`evaluation answered ${res.status}: ${await res.text()}`);
    const e = (await res.json()) as EvaluationDetail;
    console.log(`| ${label} | ${e.windows} | ${f(e.metrics.auc_roc)} | ${f(e.metrics.f1)} | ${f(e.metrics.precision)} | ${f(e.metrics.recall)} | ${f(e.threshold, 4)} | ${f(e.baseline?.auc_roc)} | ${f(e.baseline?.f1)} | ${e.out_of_range_windows} (${f(e.out_of_range_share)}) | ${run.training_time_seconds} s |`);
  }
  if (out) {
    const row = await t.hub.services.models.row(model.id, { id: 'admin', role: 'admin' });
    const bytes = await (await t.request('GET', `/api/v1/models/${model.id}/download`, { token })).arrayBuffer();
    const weights = Array.from(decodeAxonml(new Uint8Array(bytes)).weights);
    fs.writeFileSync(out, JSON.stringify({ metadata: row.metadata as unknown as ModelMetadata, weights, train_days: split.train }));
    console.log(`model saved to ${out}`);
  }
} finally {
  await t.close();
}
