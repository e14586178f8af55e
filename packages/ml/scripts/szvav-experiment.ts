import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TrainingResult } from '../src/index.js';
import { classificationMetrics, decodeAxonml, fitPca, pcaErrors, percentile, rocAuc, rollingMean, startTraining } from '../src/index.js';
import { finiteMeans } from '../src/data/missing.js';
import { scoreTable } from '../src/model/score-table.js';
import type { DayTable } from './lbnl.js';
import { loadLbnlCsv, filledColumns, selectDays, SZVAV_CSV, uniqueDays } from './lbnl.js';
import type { BootstrapReport, DayScoreSet } from './day-bootstrap.js';
import { dayBootstrap, perFaultDayAuc } from './day-bootstrap.js';

// Real-data check on LBNL SZVAV (one-minute AHU data, whole days faulted). Protocol, fixed before
// looking at test scores: train the autoencoder on the first normal day, validate (early stopping,
// threshold) on the second; score every other day, day by day (no window spans two days), as the
// trailing mean of per-window reconstruction errors over `smoothing` windows. The PCA baseline of
// the README is fitted on the same two normal days and scored on the same window ends.
// `trainOn: 'both-normal-days'` gives the autoencoder the baseline's data: both normal days, the
// contract's time-ordered split (the latest `validation_split` of 9/21 validates and sets the threshold).

const OCCUPANCY = 'Occupancy Mode Indicator';


export interface ExperimentOptions {
  csv?: string;
  hyperparameters?: Record<string, unknown>;
  /** Trailing mean over this many consecutive windows (minutes at stride 1). */
  smoothing?: number;
  /** Test windows start every `scoreStride` rows (1 = every minute). */
  scoreStride?: number;
  onEpoch?: (epoch: number, trainLoss: number, valLoss: number) => void;
  /** Which normal days the autoencoder fits on (the test days are the same either way). */
  trainOn?: 'first-normal-day' | 'both-normal-days';
  /**
   * Cross-check outside the protocol: fit on every normal day but this one (the latest part of the
   * last validates), test on the fault days and this day. Shows what coverage of the normal regimes buys.
   */
  holdOutNormalDay?: string;
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
  autoencoder: MethodFigures & { raw_auc_roc: number | null; training_time_seconds: number; epochs_run: number; best_val_loss: number; num_parameters: number; onnx_int8_bytes: number; onnx_float_bytes: number; int8_auc_roc_delta: number | null; int8_test_auc_roc_delta: number | null };
  pca_baseline: MethodFigures & { components: number };
  later_days_only: { days: string[]; autoencoder_auc_roc: number | null; pca_auc_roc: number | null; feature_scaled_auc_roc: number | null };
  /** Variant: each feature's squared error divided by its mean on the validation windows, then averaged. */
  feature_scaled: MethodFigures;
  per_day: {
    day: string; faulty: boolean; autoencoder_mean_score: number; pca_mean_score: number;
    /** The day's windows against all normal test windows; then only its occupied, or unoccupied, windows. */
    autoencoder_auc_vs_normal: number | null; pca_auc_vs_normal: number | null;
    occupied_windows: { autoencoder: number | null; pca: number | null };
    unoccupied_windows: { autoencoder: number | null; pca: number | null };
  }[];
  /** Day-resampled intervals: a = autoencoder, b = PCA (whole days carry the labels, so days are the samples). */
  day_bootstrap: BootstrapReport;
  /** Smoothed per-window scores, day by day: a = autoencoder, b = PCA. */
  window_scores: DayScoreSet[];
  result: TrainingResult;
}

function figures(scores: number[], labels: number[], threshold: number): MethodFigures {
  const m = classificationMetrics(scores, labels, threshold);
  return { auc_roc: rocAuc(scores, labels), f1: m.f1, precision: m.precision, recall: m.recall, threshold };
}

interface DayScores {
  day: string;
  ends: number[];
  /** Per-window reconstruction error, then smoothed; per-feature errors ([windows, F]) for the scaled variant. */
  raw: number[];
  ae: number[];
  featureErrors: Float32Array;
  scaled: number[];
  pca: number[];
  labels: number[];
  /** Occupancy mode at each window's end (the SZVAV file's "Occupancy Mode Indicator"). */
  occupied: boolean[];
}

/** Per window: mean over features of the squared error divided by that feature's validation mean. */
function scaledScores(featureErrors: Float32Array, scales: number[]): Float64Array {
  const F = scales.length;
  return Float64Array.from({ length: featureErrors.length / F }, (_, w) => scales.reduce((s, c, f) => s + (featureErrors[w * F + f] as number) / c, 0) / F);
}

/** Each feature's mean squared reconstruction error over the windows (floored so a constant feature cannot divide by ~0). */
function featureScales(featureErrors: Float32Array, features: number): number[] {
  const sums = new Array<number>(features).fill(0);
  featureErrors.forEach((e, i) => (sums[i % features] = (sums[i % features] as number) + e));
  return sums.map((s) => Math.max(s / (featureErrors.length / features), 1e-6));
}

interface Scorer {
  result: TrainingResult;
  pca: ReturnType<typeof fitPca>;
  fallback: number[];
  smoothing: number;
  stride: number;
  scales: number[];
}

/** Windows in the trailing mean: `smoothing` minutes of window ends at the scoring stride. */
const spanOf = (sc: Scorer): number => Math.max(1, Math.round(sc.smoothing / sc.stride));

/** Scores one stretch of rows (a day, or the validation part of one) with both methods. */
async function scoreDay(sc: Scorer, dayTable: DayTable, day: string): Promise<DayScores> {
  const ae = await scoreTable(sc.result.model, dayTable, sc.stride);
  const meta = sc.result.model.metadata;
  const rowErrors = rollingMean(pcaErrors(sc.pca, filledColumns(dayTable, meta.feature_columns, sc.fallback)), 60);
  const rowOf = new Map<number, number>(Array.from(dayTable.timestamps, (t, i): [number, number] => [t, i]));
  const ends = Array.from(ae.ends);
  const featureErrors = ae.windowFeatureErrors as Float32Array;
  const occupancy = dayTable.values[dayTable.columns.indexOf(OCCUPANCY)];
  return {
    day, ends, featureErrors, raw: Array.from(ae.scores),
    ae: Array.from(rollingMean(ae.scores, spanOf(sc))),
    scaled: sc.scales.length > 0 ? Array.from(rollingMean(scaledScores(featureErrors, sc.scales), spanOf(sc))) : [],
    pca: ends.map((t) => rowErrors[rowOf.get(t) as number] as number),
    occupied: ends.map((t) => (occupancy?.[rowOf.get(t) as number] ?? 0) > 0.5),
    labels: Array.from(ae.labels ?? []),
  };
}

/** Rows of `table` at or after `from` (epoch ms): the validation part of a time-ordered split. */
function rowsFrom(table: DayTable, from: number): DayTable {
  const idx = Array.from(table.timestamps).flatMap((t, i) => (t >= from ? [i] : []));
  return { columns: table.columns, timestamps: idx.map((i) => table.timestamps[i] as number), values: table.values.map((v) => Float64Array.from(idx, (i) => v[i] as number)), days: idx.map((i) => table.days[i] as string) };
}

/** Test-window AUC of the int8 export (its dequantized weights) minus the float model's, same windows and smoothing. */
async function int8AucDelta(sc: Scorer, table: DayTable, testDays: string[], labels: number[], floatAuc: number | null): Promise<number | null> {
  const int8 = { metadata: sc.result.model.metadata, weights: decodeAxonml(sc.result.model.axonml_int8).weights };
  const scores: number[] = [];
  for (const d of testDays) scores.push(...rollingMean((await scoreTable(int8, selectDays(table, [d]), sc.stride)).scores, spanOf(sc)));
  const auc = rocAuc(scores, labels);
  return auc === null || floatAuc === null ? null : auc - floatAuc;
}

function daySets(scored: DayScores[], faulty: Set<string>): DayScoreSet[] {
  return scored.map((d) => ({ day: d.day, faulty: faulty.has(d.day), a: d.ae, b: d.pca, occupied: d.occupied }));
}

function perDay(scored: DayScores[], faulty: Set<string>, sets: DayScoreSet[]): ExperimentReport['per_day'] {
  const auc = (key: 'a' | 'b', part?: 'occupied' | 'unoccupied') => new Map(perFaultDayAuc(sets, key, part).map((x) => [x.day, x.auc_roc]));
  const [ae, pca, aeOcc, aeUnocc, pcaOcc, pcaUnocc] = [auc('a'), auc('b'), auc('a', 'occupied'), auc('a', 'unoccupied'), auc('b', 'occupied'), auc('b', 'unoccupied')];
  const mean = (x: number[]): number => x.reduce((a, b) => a + b, 0) / x.length;
  return scored.map((d) => ({
    day: d.day, faulty: faulty.has(d.day), autoencoder_mean_score: mean(d.ae), pca_mean_score: mean(d.pca),
    autoencoder_auc_vs_normal: ae.get(d.day) ?? null, pca_auc_vs_normal: pca.get(d.day) ?? null,
    occupied_windows: { autoencoder: aeOcc.get(d.day) ?? null, pca: pcaOcc.get(d.day) ?? null },
    unoccupied_windows: { autoencoder: aeUnocc.get(d.day) ?? null, pca: pcaUnocc.get(d.day) ?? null },
  }));
}

export async function runSzvavExperiment(options: ExperimentOptions = {}): Promise<ExperimentReport> {
  const table = loadLbnlCsv(options.csv ?? SZVAV_CSV);
  const days = uniqueDays(table);
  const label = table.columns.indexOf('Fault Detection Ground Truth');
  const faulty = new Set(days.filter((d) => table.days.some((x, i) => x === d && (table.values[label] as Float64Array)[i]! > 0)));
  const normal = days.filter((d) => !faulty.has(d));
  const held = options.holdOutNormalDay;
  if (held !== undefined && !normal.includes(held)) throw new Error(`${held} is not a normal day (${normal.join(', ')})`);
  const fitDays = held === undefined ? normal.slice(0, 2) : normal.filter((d) => d !== held);
  const [trainDay, validationDay] = [fitDays[0] as string, fitDays[fitDays.length - 1] as string];
  const wholeDays = held === undefined && options.trainOn !== 'both-normal-days';
  // validation_split 0.5 of two whole days = exactly the second day; otherwise the contract's default
  // (the latest part of the last fit day validates).
  const fit = selectDays(table, fitDays);
  const split = wholeDays ? { validation_split: 0.5 } : {};
  const handle = startTraining({ architecture: 'lstm_autoencoder', hyperparameters: { ...split, ...options.hyperparameters }, data: fit }, {
    onEpoch: (p) => options.onEpoch?.(p.epoch, p.train_loss, p.val_loss),
  });
  const result = await handle.result;
  const features = result.model.metadata.feature_columns;
  const fallback = finiteMeans(features.map((f) => fit.values[fit.columns.indexOf(f)] as Float64Array), fit.days.length);
  const sc: Scorer = { result, pca: fitPca(filledColumns(fit, features, fallback)), fallback, smoothing: options.smoothing ?? 60, stride: options.scoreStride ?? 1, scales: [] };
  // Thresholds and feature scales from normal data only: the autoencoder's validation rows, PCA's fit days.
  const val = await scoreDay(sc, rowsFrom(fit, result.data.split_timestamp), validationDay);
  sc.scales = featureScales(val.featureErrors, features.length);
  const valScaled = rollingMean(scaledScores(val.featureErrors, sc.scales), spanOf(sc));
  const fitPcaScores: number[] = [];
  for (const day of fitDays) fitPcaScores.push(...(await scoreDay(sc, selectDays(table, [day]), day)).pca);
  const testDays = days.filter((d) => !fitDays.includes(d));
  const scored: DayScores[] = [];
  for (const day of testDays) scored.push(await scoreDay(sc, selectDays(table, [day]), day));
  const all = (k: 'raw' | 'ae' | 'scaled' | 'pca' | 'labels', set = scored): number[] => set.flatMap((d) => d[k]);
  const later = scored.filter((d) => d.day > validationDay);
  const aucAll = rocAuc(all('ae'), all('labels'));
  const sets = daySets(scored, faulty);
  return {
    train_days: wholeDays ? [trainDay] : [...fitDays.slice(0, -1), `${validationDay} before ${new Date(result.data.split_timestamp).toISOString().slice(11, 16)}`], validation_day: validationDay, test_days: testDays,
    test_windows: all('labels').length, faulty_windows: all('labels').filter((x) => x > 0).length,
    autoencoder: {
      ...figures(all('ae'), all('labels'), percentile(val.ae, 99)), raw_auc_roc: rocAuc(all('raw'), all('labels')),
      training_time_seconds: result.training_time_seconds, epochs_run: result.epochs_run, best_val_loss: result.best_val_loss, num_parameters: result.model.num_parameters,
      onnx_float_bytes: result.model.onnx.length, onnx_int8_bytes: result.model.onnx_int8.length, int8_auc_roc_delta: result.quantization.auc_roc_delta, int8_test_auc_roc_delta: await int8AucDelta(sc, table, testDays, all('labels'), aucAll),
    },
    pca_baseline: { ...figures(all('pca'), all('labels'), percentile(fitPcaScores, 99)), components: sc.pca.components.length },
    feature_scaled: figures(all('scaled'), all('labels'), percentile(valScaled, 99)),
    later_days_only: { days: later.map((d) => d.day), autoencoder_auc_roc: rocAuc(all('ae', later), all('labels', later)), pca_auc_roc: rocAuc(all('pca', later), all('labels', later)), feature_scaled_auc_roc: rocAuc(all('scaled', later), all('labels', later)) },
    per_day: perDay(scored, faulty, sets),
    day_bootstrap: dayBootstrap(sets),
    window_scores: sets,
    result,
  };
}

function printReport(r: ExperimentReport): void {
  const f = (x: number | null, d = 3): string => (x === null ? 'n/a' : x.toFixed(d));
  console.log(`train ${r.train_days.join(',')}  validation ${r.validation_day}  test ${r.test_days.length} days, ${r.test_windows} windows (${r.faulty_windows} faulty)`);
  console.log('method            window AUC  F1     precision recall threshold');
  console.log(`lstm_autoencoder  ${f(r.autoencoder.auc_roc)}       ${f(r.autoencoder.f1)}  ${f(r.autoencoder.precision)}     ${f(r.autoencoder.recall)}  ${f(r.autoencoder.threshold, 4)}`);
  console.log(`pca (README)      ${f(r.pca_baseline.auc_roc)}       ${f(r.pca_baseline.f1)}  ${f(r.pca_baseline.precision)}     ${f(r.pca_baseline.recall)}  ${f(r.pca_baseline.threshold, 4)}`);
  console.log(`AE feature-scaled  ${f(r.feature_scaled.auc_roc)}       ${f(r.feature_scaled.f1)}  ${f(r.feature_scaled.precision)}     ${f(r.feature_scaled.recall)}  ${f(r.feature_scaled.threshold, 4)}`);
  console.log(`train ${r.train_days.join(' + ')}; autoencoder unsmoothed AUC ${f(r.autoencoder.raw_auc_roc)}; later days only (${r.later_days_only.days.join(',')}): AE ${f(r.later_days_only.autoencoder_auc_roc)}, PCA ${f(r.later_days_only.pca_auc_roc)}, AE feature-scaled ${f(r.later_days_only.feature_scaled_auc_roc)}`);
  console.log(`training ${r.autoencoder.training_time_seconds.toFixed(0)} s, ${r.autoencoder.epochs_run} epochs, ${r.autoencoder.num_parameters} parameters, ONNX ${r.autoencoder.onnx_float_bytes} B float / ${r.autoencoder.onnx_int8_bytes} B int8, int8 AUC delta on validation ${f(r.autoencoder.int8_auc_roc_delta, 4)}, on the test days ${f(r.autoencoder.int8_test_auc_roc_delta, 4)}`);
  for (const d of r.per_day) console.log(`  ${d.day} ${d.faulty ? 'fault ' : 'normal'} AE ${d.autoencoder_mean_score.toFixed(3)} PCA ${d.pca_mean_score.toFixed(2)}  window AUC against the normal test days: AE ${f(d.autoencoder_auc_vs_normal)} PCA ${f(d.pca_auc_vs_normal)}; occupied windows AE ${f(d.occupied_windows.autoencoder)} PCA ${f(d.occupied_windows.pca)}; unoccupied AE ${f(d.unoccupied_windows.autoencoder)} PCA ${f(d.unoccupied_windows.pca)}`);
  const b = r.day_bootstrap;
  const i = (x: { low: number; high: number }): string => `[${f(x.low)}, ${f(x.high)}]`;
  console.log(`day bootstrap (${b.resamples} resamples of days, 95%): AE ${i(b.a)}, PCA ${i(b.b)}, AE - PCA ${i(b.difference)}, AE above PCA in ${(100 * b.share_a_above).toFixed(0)}%`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Full-size run: the contract's defaults (hidden 64, 2 layers, sequence 60), early stopping.
  // argv[2]: hyperparameters (JSON); argv[3]: experiment options, e.g. {"trainOn":"both-normal-days"};
  // argv[4]: a file for the per-window scores of both methods, day by day (JSON), to study without retraining.
  const hp = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
  const opts = JSON.parse(process.argv[3] ?? '{}') as Pick<ExperimentOptions, 'trainOn' | 'smoothing' | 'holdOutNormalDay'>;
  const report = await runSzvavExperiment({ ...opts, hyperparameters: { stride: 1, ...hp }, onEpoch: (e, t, v) => console.log(`epoch ${e} train ${t.toFixed(4)} val ${v.toFixed(4)}`) });
  printReport(report);
  if (process.argv[4]) writeFileSync(process.argv[4], JSON.stringify(report.window_scores));
}

export { printReport };
