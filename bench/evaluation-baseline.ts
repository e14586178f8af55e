// What the PCA baseline adds to an evaluation, next to the training time of the same model (the anchor), on the
// real LBNL SZVAV file: an lstm_autoencoder trained on the two first normal days (9/20 + 9/21; the second one
// validates), then `POST /api/v1/evaluations`' work on the whole file (15,839 rows, 14 features, every window):
// once without the baseline, once with it (fit on the training rows + scoring + metrics), and the baseline alone.
// Repetitions interleave the four so a change in machine load hits all of them; medians and ratios at the end.
//   node --import tsx bench/evaluation-baseline.ts     env: REPS=3 EPOCHS=8 HIDDEN=16 LAYERS=1 SEQ=30 STRIDE=3
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { runTraining, type TrainingResult } from '@prometheus/ml';
import { measureBaseline } from '../apps/hub/src/modules/evaluations/baseline.js';
import { evaluateTable, type EvaluationJob } from '../apps/hub/src/modules/evaluations/evaluate-table.js';
import { loadLbnlCsv, selectDays, SZVAV_CSV } from '../packages/ml/scripts/lbnl.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const reps = env('REPS', 3);
const hyperparameters = {
  epochs: env('EPOCHS', 8), hidden_dim: env('HIDDEN', 16), bottleneck_dim: Math.max(1, env('HIDDEN', 16) / 2), num_layers: env('LAYERS', 1),
  sequence_length: env('SEQ', 30), stride: env('STRIDE', 3), weight_decay: 0, validation_split: 0.5, early_stopping_patience: 0,
};
const LABEL = 'Fault Detection Ground Truth';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
async function timed<T>(f: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

const table = loadLbnlCsv(SZVAV_CSV);
const fit = selectDays(table, ['2017-09-20', '2017-09-21']);
console.log(`load average at start: ${load()} (2 cores; other work on the machine skews every figure, the ratios less)`);
console.log(`training rows ${fit.timestamps.length}, evaluated rows ${table.timestamps.length}, hyperparameters ${JSON.stringify(hyperparameters)}`);

const times = { training: [] as number[], plain: [] as number[], withBaseline: [] as number[], baseline: [] as number[] };
let last: { result: TrainingResult; auc: number | null; baselineAuc: number | null; components: number } | undefined;
for (let r = 0; r < reps; r++) {
  const trained = await timed(() => runTraining({ architecture: 'lstm_autoencoder', hyperparameters, data: fit }));
  const result = trained.value;
  const job: EvaluationJob = { model: result.model, table, trainingTable: null, labelColumn: LABEL, stride: 1, smoothing: 1 };
  const plain = await timed(() => evaluateTable(job));
  const full = await timed(() => evaluateTable({ ...job, trainingTable: fit }));
  const ends = Array.from(table.timestamps).slice(result.model.metadata.sequence_length - 1);
  const labels = Array.from(table.values[table.columns.indexOf(LABEL)] as Float64Array).slice(result.model.metadata.sequence_length - 1);
  const alone = await timed(() => measureBaseline(result.model.metadata, fit, table, ends, labels));
  times.training.push(trained.ms);
  times.plain.push(plain.ms);
  times.withBaseline.push(full.ms);
  times.baseline.push(alone.ms);
  last = { result, auc: full.value.metrics.auc_roc, baselineAuc: full.value.baseline?.baseline.auc_roc ?? null, components: full.value.baseline?.baseline.components ?? 0 };
  console.log(`rep ${r + 1}: training ${trained.ms.toFixed(0)} ms (${result.epochs_run} epochs), evaluation ${plain.ms.toFixed(0)} ms, with baseline ${full.ms.toFixed(0)} ms, baseline alone ${alone.ms.toFixed(1)} ms (load ${load()})`);
}

const m = { training: median(times.training), plain: median(times.plain), withBaseline: median(times.withBaseline), baseline: median(times.baseline) };
console.log('');
console.log(`windows ${table.timestamps.length - (last?.result.model.metadata.sequence_length ?? 1) + 1}; model AUC ${last?.auc?.toFixed(3)}, PCA baseline AUC ${last?.baselineAuc?.toFixed(3)} (${last?.components} components)`);
console.log(`| step (median of ${reps}) | ms | / training |`);
console.log('|---|---|---|');
console.log(`| training (anchor) | ${m.training.toFixed(0)} | 1 |`);
console.log(`| evaluation without the baseline | ${m.plain.toFixed(0)} | ${(m.plain / m.training).toFixed(3)} |`);
console.log(`| evaluation with the baseline | ${m.withBaseline.toFixed(0)} | ${(m.withBaseline / m.training).toFixed(3)} |`);
console.log(`| the baseline alone (fit + score + metrics) | ${m.baseline.toFixed(1)} | ${(m.baseline / m.training).toFixed(4)} |`);
