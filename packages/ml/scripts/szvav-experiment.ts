import { fileURLToPath } from 'node:url';
import type { TrainingResult } from '../src/index.js';
import { classificationMetrics, percentile, rocAuc, rollingMean, startTraining } from '../src/index.js';
import { fillMissing, finiteMeans } from '../src/data/missing.js';
import { scoreTable } from '../src/model/score-table.js';
import type { DayTable } from './lbnl.js';
import { loadLbnlCsv, selectDays, uniqueDays } from './lbnl.js';
import { fitPca, pcaErrors } from './pca-baseline.js';

// Real-data check on LBNL SZVAV (one-minute AHU data, whole days faulted). Protocol, fixed before
// looking at test scores: train the autoencoder on the first normal day, validate (early stopping,
// threshold) on the second; score every other day, day by day (no window spans two days), as the
// trailing mean of per-window reconstruction errors over `smoothing` windows. The PCA baseline of
// the README is fitted on the same two normal days and scored on the same window ends.

export const SZVAV_CSV = fileURLToPath(new URL('../../../test/fixtures/lbnl/SZVAV.csv', import.meta.url));

export interface ExperimentOptions {
  csv?: string;
  hyperparameters?: Record<string, unknown>;
  /** Trailing mean over this many consecutive windows (minutes at stride 1). */
  smoothing?: number;
  /** Test windows start every `scoreStride` rows (1 = every minute). */
  scoreStride?: number;
  onEpoch?: (epoch: number, trainLoss: number, valLoss: number) => void;
}

export interface MethodFigures {
  auc_roc: number | null;
  f1: number | null;
  precision: number | null;
  recall: number | null;
  threshold: number;
}

export interface ExperimentReport {
  train_days: string[];
  validation_day: string;
  test_days: string[];
  test_windows: number;
  faulty_windows: number;
  autoencoder: MethodFigures & { raw_auc_roc: number | null; training_time_seconds: number; epochs_run: number; best_val_loss: number; num_parameters: number; onnx_int8_bytes: number; onnx_float_bytes: number; int8_auc_roc_delta: number | null };
  pca_baseline: MethodFigures & { components: number };
  later_days_only: { days: string[]; autoencoder_auc_roc: number | null; pca_auc_roc: number | null };
  per_day: { day: string; faulty: boolean; autoencoder_mean_score: number; pca_mean_score: number }[];
  result: TrainingResult;
}

function figures(scores: number[], labels: number[], threshold: number): MethodFigures {
  const m = classificationMetrics(scores, labels, threshold);
  return { auc_roc: rocAuc(scores, labels), f1: m.f1, precision: m.precision, recall: m.recall, threshold };
}

function rowsOf(table: DayTable, features: string[], fallback: number[]): number[][] {
  const idx = features.map((f) => table.columns.indexOf(f));
  const { filled } = fillMissing(features, idx.map((i) => table.values[i] as Float64Array), fallback);
  return table.days.map((_, r) => filled.map((col) => col[r] as number));
}

interface DayScores {
  day: string;
  ends: number[];
  ae: number[];
  pca: number[];
  labels: number[];
}

async function scoreDay(result: TrainingResult, pca: ReturnType<typeof fitPca>, fallback: number[], table: DayTable, day: string, smoothing: number, stride: number): Promise<DayScores> {
  const dayTable = selectDays(table, [day]);
  const ae = await scoreTable(result.model, dayTable, stride);
  const meta = result.model.metadata;
  const rowErrors = rollingMean(pcaErrors(pca, rowsOf(dayTable, meta.feature_columns, fallback)), 60);
  const rowOf = new Map<number, number>(Array.from(dayTable.timestamps, (t, i): [number, number] => [t, i]));
  const ends = Array.from(ae.ends);
  return {
    day, ends,
    ae: Array.from(rollingMean(ae.scores, Math.max(1, Math.round(smoothing / stride)))),
    pca: ends.map((t) => rowErrors[rowOf.get(t) as number] as number),
    labels: Array.from(ae.labels ?? []),
  };
}

export async function runSzvavExperiment(options: ExperimentOptions = {}): Promise<ExperimentReport> {
  const table = loadLbnlCsv(options.csv ?? SZVAV_CSV);
  const days = uniqueDays(table);
  const label = table.columns.indexOf('Fault Detection Ground Truth');
  const faulty = new Set(days.filter((d) => table.days.some((x, i) => x === d && (table.values[label] as Float64Array)[i]! > 0)));
  const normal = days.filter((d) => !faulty.has(d));
  const [trainDay, validationDay] = normal as [string, string];
  const smoothing = options.smoothing ?? 60;
  const stride = options.scoreStride ?? 1;
  // validation_split 0.5 of two whole days = exactly the second day.
  const fit = selectDays(table, [trainDay, validationDay]);
  const handle = startTraining({ architecture: 'lstm_autoencoder', hyperparameters: { validation_split: 0.5, ...options.hyperparameters }, data: fit }, {
    onEpoch: (p) => options.onEpoch?.(p.epoch, p.train_loss, p.val_loss),
  });
  const result = await handle.result;
  const features = result.model.metadata.feature_columns;
  const fallback = finiteMeans(features.map((f) => fit.values[fit.columns.indexOf(f)] as Float64Array), fit.days.length);
  const pca = fitPca(rowsOf(fit, features, fallback));
  const testDays = days.filter((d) => d !== trainDay && d !== validationDay);
  const scored: DayScores[] = [];
  for (const day of testDays) scored.push(await scoreDay(result, pca, fallback, table, day, smoothing, stride));
  // Thresholds from normal data only: the 99th percentile of each method's smoothed score on the validation day / fit days.
  const val = await scoreDay(result, pca, fallback, table, validationDay, smoothing, stride);
  const fitPcaScores = [...val.pca, ...(await scoreDay(result, pca, fallback, table, trainDay, smoothing, stride)).pca];
  const all = (k: 'ae' | 'pca' | 'labels', set = scored): number[] => set.flatMap((d) => d[k]);
  const later = scored.filter((d) => d.day > validationDay);
  const rawAe = await Promise.all(testDays.map(async (d) => Array.from((await scoreTable(result.model, selectDays(table, [d]), stride)).scores)));
  return {
    train_days: [trainDay], validation_day: validationDay, test_days: testDays,
    test_windows: all('labels').length, faulty_windows: all('labels').filter((x) => x > 0).length,
    autoencoder: {
      ...figures(all('ae'), all('labels'), percentile(val.ae, 99)), raw_auc_roc: rocAuc(rawAe.flat(), all('labels')),
      training_time_seconds: result.training_time_seconds, epochs_run: result.epochs_run, best_val_loss: result.best_val_loss, num_parameters: result.model.num_parameters,
      onnx_float_bytes: result.model.onnx.length, onnx_int8_bytes: result.model.onnx_int8.length, int8_auc_roc_delta: result.quantization.auc_roc_delta,
    },
    pca_baseline: { ...figures(all('pca'), all('labels'), percentile(fitPcaScores, 99)), components: pca.components.length },
    later_days_only: { days: later.map((d) => d.day), autoencoder_auc_roc: rocAuc(all('ae', later), all('labels', later)), pca_auc_roc: rocAuc(all('pca', later), all('labels', later)) },
    per_day: scored.map((d) => ({ day: d.day, faulty: faulty.has(d.day), autoencoder_mean_score: d.ae.reduce((a, b) => a + b, 0) / d.ae.length, pca_mean_score: d.pca.reduce((a, b) => a + b, 0) / d.pca.length })),
    result,
  };
}

function printReport(r: ExperimentReport): void {
  const f = (x: number | null, d = 3): string => (x === null ? 'n/a' : x.toFixed(d));
  console.log(`train ${r.train_days.join(',')}  validation ${r.validation_day}  test ${r.test_days.length} days, ${r.test_windows} windows (${r.faulty_windows} faulty)`);
  console.log('method            window AUC  F1     precision recall threshold');
  console.log(`lstm_autoencoder  ${f(r.autoencoder.auc_roc)}       ${f(r.autoencoder.f1)}  ${f(r.autoencoder.precision)}     ${f(r.autoencoder.recall)}  ${f(r.autoencoder.threshold, 4)}`);
  console.log(`pca (README)      ${f(r.pca_baseline.auc_roc)}       ${f(r.pca_baseline.f1)}  ${f(r.pca_baseline.precision)}     ${f(r.pca_baseline.recall)}  ${f(r.pca_baseline.threshold, 4)}`);
  console.log(`autoencoder unsmoothed AUC ${f(r.autoencoder.raw_auc_roc)}; later days only (${r.later_days_only.days.join(',')}): AE ${f(r.later_days_only.autoencoder_auc_roc)}, PCA ${f(r.later_days_only.pca_auc_roc)}`);
  console.log(`training ${r.autoencoder.training_time_seconds.toFixed(0)} s, ${r.autoencoder.epochs_run} epochs, ${r.autoencoder.num_parameters} parameters, ONNX ${r.autoencoder.onnx_float_bytes} B float / ${r.autoencoder.onnx_int8_bytes} B int8, int8 AUC delta on validation ${f(r.autoencoder.int8_auc_roc_delta, 4)}`);
  for (const d of r.per_day) console.log(`  ${d.day} ${d.faulty ? 'fault ' : 'normal'} AE ${d.autoencoder_mean_score.toFixed(3)} PCA ${d.pca_mean_score.toFixed(2)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Full-size run: the contract's defaults (hidden 64, 2 layers, sequence 60), early stopping.
  const hp = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
  const report = await runSzvavExperiment({ hyperparameters: { stride: 1, ...hp }, onEpoch: (e, t, v) => console.log(`epoch ${e} train ${t.toFixed(4)} val ${v.toFixed(4)}`) });
  printReport(report);
}

export { printReport };
