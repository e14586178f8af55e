import { DEFAULT_HYPERPARAMETERS, fitPcaBaseline, pcaBaselineScores, rocAuc, type Hyperparameters, type TrainingTable } from '@prometheus/ml/core';
import { GRADIENT_FINDING_SUBJECTS, GRADIENT_METRIC_NAMES, type EvaluationDetail, type EvaluationSummary, type GradientEvaluation } from '@prometheus/protocol';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluations } from '../../db/schema/index.js';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { sensorCsv, setTier, TINY, trainToEnd, validatedDataset, waitForGradient } from '../../test/training.js';
import { uploadCsv } from '../../test/upload.js';

type Json = Record<string, unknown>;

type Roc = NonNullable<EvaluationDetail['figures']['roc_curve']>;

/** Checks a ROC curve's shape: (0,0) to (1,1), rates rising as the threshold falls, at most 101 points. */
function rocShape(roc: Roc | null): Roc {
  expect(roc).not.toBeNull();
  const { fpr, tpr, thresholds } = roc!;
  expect(fpr.length).toBeLessThanOrEqual(101);
  expect([tpr.length, thresholds.length]).toEqual([fpr.length, fpr.length]);
  expect([fpr[0], tpr[0], fpr.at(-1), tpr.at(-1)]).toEqual([0, 0, 1, 1]);
  for (let k = 1; k < fpr.length; k++) {
    expect(fpr[k]! >= fpr[k - 1]! && tpr[k]! >= tpr[k - 1]! && thresholds[k]! < thresholds[k - 1]!).toBe(true);
  }
  return roc!;
}

const area = ({ fpr, tpr }: Roc) => fpr.slice(1).reduce((a, x, k) => a + ((x - fpr[k]!) * (tpr[k + 1]! + tpr[k]!)) / 2, 0);

const FEATURES = ['supply_temp', 'return_temp', 'fan_speed', 'mixed_temp'];
const TRAIN_CSV = sensorCsv({ rows: 240, faultFrom: 220, mixed: true });
const LATER_CSV = sensorCsv({ rows: 300, faultFrom: 150, seed: 11, start: Date.UTC(2026, 0, 9), mixed: true });

function tableOf(csv: string): TrainingTable {
  const [head, ...lines] = csv.trim().split('\n');
  const columns = head!.split(',').slice(1);
  const rows = lines.map((l) => l.split(','));
  return { columns, timestamps: rows.map((r) => Date.parse(r[0]!)), values: columns.map((_, c) => Float64Array.from(rows, (r) => Number(r[c + 1]))) };
}

/**
 * The baseline computed here from the CSVs themselves, for windows ending on `endRows`: fitted on the first 80% of
 * the training CSV's rows (the model's split), scored on the evaluated CSV, read at each window's last row.
 */
function expectedBaseline(evaluatedCsv: string, endRows: number[]) {
  const hyperparameters: Hyperparameters = { ...DEFAULT_HYPERPARAMETERS, optimizer: 'adam', loss: 'mse' };
  const fit = fitPcaBaseline(tableOf(TRAIN_CSV), { feature_columns: FEATURES, label_column: 'fault', sampling_interval_seconds: 60, hyperparameters });
  const evaluated = tableOf(evaluatedCsv);
  const rowScores = pcaBaselineScores(fit, evaluated);
  const fault = evaluated.values[evaluated.columns.indexOf('fault')]!;
  return { threshold: fit.threshold, components: fit.pca.components.length, auc_roc: rocAuc(endRows.map((r) => rowScores[r]!), endRows.map((r) => fault[r]!)) };
}

// Evaluations: made when training ends, and on demand for a dataset with the model's columns (labelled:
// every metric; unlabelled: label metrics null, never invented), then the local Gradient review.
describe('evaluations', { timeout: 180_000 }, () => {
  let t: TestHub;
  let op: { token: string; username: string; id: string };
  let aeModel: string;
  let sentinelModel: string;
  let trainingEvaluation: string;
  let later: string;
  let unlabelled: string;

  beforeAll(async () => {
    t = await createTestHub({ TRAINING_MAX_CONCURRENT: '2' });
    op = await t.userWithRole('operator');
    await setTier(t, op.username, 'enterprise');
    const train = (await validatedDataset(t, op.token, TRAIN_CSV, 'first days')).id;
    later = (await validatedDataset(t, op.token, LATER_CSV, 'later days')).id;
    unlabelled = (await uploadCsv(t, op.token, sensorCsv({ rows: 200, label: false, seed: 5, mixed: true }), { name: 'no labels' }).then((r) => r.json()) as Json).id as string;
    const [ae, sentinel] = await Promise.all([
      trainToEnd(t, op.token, { dataset_id: train, architecture: 'lstm_autoencoder', hyperparameters: { ...TINY, epochs: 4 } }),
      trainToEnd(t, op.token, { dataset_id: train, architecture: 'sentinel', hyperparameters: TINY }),
    ]);
    aeModel = ae.model_id as string;
    sentinelModel = sentinel.model_id as string;
    trainingEvaluation = ae.evaluation_id as string;
  }, 180_000);
  afterAll(() => t.close());

  const evaluate = (json: Json, token = op.token) => t.request('POST', '/api/v1/evaluations', { token, json });

  it('keeps the validation-window evaluation made when training ended', async () => {
    const res = await t.request('GET', `/api/v1/evaluations/${trainingEvaluation}`, { token: op.token });
    const ev = (await res.json()) as EvaluationDetail;
    expect(ev).toMatchObject({ kind: 'training', model_id: aeModel, gradient_evaluation: null, gradient_status: 'none', smoothing_windows: 1 });
    expect(ev.training_curves.epochs).toEqual([1, 2, 3, 4]);
    expect(ev.metrics.reconstruction_error_threshold).toBe(ev.threshold);
    expect(ev.figures.folds.length).toBeGreaterThan(0);
    expect(ev.figures.feature_error_share?.map((f) => f.feature)).toEqual(FEATURES);
    // 21 validation windows, 10 faulty: the whole curve fits in 101 points, so its area is the AUC exactly.
    expect(ev.positives).toBeGreaterThan(0);
    expect(ev.positives).toBeLessThan(ev.windows);
    const roc = rocShape(ev.figures.roc_curve);
    expect(area(roc)).toBeCloseTo(ev.metrics.auc_roc!, 12);
    // The baseline on the same windows: the 21 validation windows end on rows 199, 201, ..., 239 of the training CSV.
    const expected = expectedBaseline(TRAIN_CSV, Array.from({ length: 21 }, (_, k) => 199 + 2 * k));
    expect(ev.baseline).toMatchObject({ method: 'pca', components: expected.components, fit_rows: 192 });
    expect(ev.baseline!.explained_variance).toBeGreaterThanOrEqual(0.95);
    expect(ev.baseline!.threshold).toBeCloseTo(expected.threshold, 12);
    expect(ev.baseline!.auc_roc).toBeCloseTo(expected.auc_roc!, 12);
    expect(area(rocShape(ev.figures.baseline_roc_curve))).toBeCloseTo(ev.baseline!.auc_roc!, 12);
    expect(ev.beats_baseline).toBe(ev.metrics.auc_roc! >= ev.baseline!.auc_roc!);
    expect(ev.alarms).not.toBeNull();
    expect(ev.alarm_episodes).toBe(ev.alarms!.length);
    const list = (await (await t.request('GET', '/api/v1/evaluations', { token: op.token })).json()) as EvaluationSummary[];
    expect(list.find((e) => e.id === trainingEvaluation)).toMatchObject({ baseline: ev.baseline, beats_baseline: ev.beats_baseline });
  });

  it('evaluates a labelled dataset on demand: every metric, from the model\'s own threshold', async () => {
    const res = await evaluate({ model_id: aeModel, dataset_id: later });
    expect(res.status).toBe(201);
    const ev = (await res.json()) as EvaluationDetail;
    expect(ev).toMatchObject({ kind: 'dataset', dataset_id: later, stride: 1, smoothing_windows: 1 });
    // 300 rows, windows of 8: 293 windows, 150 of them end on a faulty row.
    expect(ev.windows).toBe(293);
    expect(ev.positives).toBe(150);
    const cm = ev.confusion_matrix!;
    expect(cm.true_positive + cm.false_positive + cm.true_negative + cm.false_negative).toBe(293);
    expect(ev.metrics.precision).toBeCloseTo(cm.true_positive / (cm.true_positive + cm.false_positive), 12);
    // The fault offsets the supply temperature by 6 degrees: an autoencoder trained on normal rows sees it.
    expect(ev.metrics.auc_roc).toBeGreaterThan(0.9);
    expect(ev.figures.score_separation).toBeGreaterThan(1);
    // 293 windows thinned to at most 101 points: the area stays within a hair of the AUC of all of them.
    expect(area(rocShape(ev.figures.roc_curve))).toBeCloseTo(ev.metrics.auc_roc!, 2);
    expect(ev.training_curves.epochs).toEqual([1, 2, 3, 4]);
    // The baseline is fitted on the model's training rows, not on this dataset, and read at each window's last row.
    const expected = expectedBaseline(LATER_CSV, Array.from({ length: 293 }, (_, k) => k + 7));
    expect(ev.baseline).toMatchObject({ method: 'pca', components: expected.components, fit_rows: 192 });
    expect(ev.baseline!.threshold).toBeCloseTo(expected.threshold, 12);
    expect(ev.baseline!.auc_roc).toBeCloseTo(expected.auc_roc!, 12);
    expect(area(rocShape(ev.figures.baseline_roc_curve))).toBeCloseTo(ev.baseline!.auc_roc!, 2);
    expect(ev.beats_baseline).toBe(ev.metrics.auc_roc! >= ev.baseline!.auc_roc!);
    const smoothed = (await (await evaluate({ model_id: aeModel, dataset_id: later, stride: 3, smoothing_windows: 5 })).json()) as EvaluationDetail;
    expect(smoothed).toMatchObject({ stride: 3, smoothing_windows: 5, windows: 98 });
  });

  it('annotates each alarm with the three features carrying most of its reconstruction error', async () => {
    const ev = (await (await evaluate({ model_id: aeModel, dataset_id: later })).json()) as EvaluationDetail;
    const alarms = ev.alarms!;
    expect(ev.alarm_episodes).toBeGreaterThan(0);
    expect(alarms.length).toBe(Math.min(ev.alarm_episodes!, 50));
    expect(ev.rules_status).toBe('no_runnable_rules');
    expect(ev.skipped_rules?.find((s) => s.fault_condition === 'FC2')?.reason).toMatch(/oat/);
    for (const a of alarms) {
      expect(Date.parse(a.end)).toBeGreaterThanOrEqual(Date.parse(a.start));
      expect(a.peak_score).toBeGreaterThan(ev.threshold);
      // No rule can run on these columns (no outdoor air, valve or damper commands): nothing is named.
      expect(a.rules).toEqual([]);
      const shares = a.top_features!.map((f) => f.share);
      expect(shares).toHaveLength(3);
      expect(shares).toEqual([...shares].sort((x, y) => y - x));
      expect(shares.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(1 + 1e-9);
    }
    // The fault (from row 150) offsets the supply temperature: the longest alarm lies in it and blames that sensor.
    const longest = alarms.reduce((a, b) => (b.windows > a.windows ? b : a));
    expect(Date.parse(longest.end)).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 9) + 150 * 60_000);
    expect(longest.top_features![0]!.feature).toBe('supply_temp');
    const sentinel = (await (await evaluate({ model_id: sentinelModel, dataset_id: later })).json()) as EvaluationDetail;
    expect(sentinel.alarms!.every((a) => a.top_features === null)).toBe(true);
    expect(sentinel.baseline).toMatchObject({ method: 'pca', auc_roc: ev.baseline!.auc_roc });
  });

  it('names the Guideline 36 rules that fired during each alarm, from the dataset\'s point map', async () => {
    // The later days with an outdoor temperature far above the mixed air: FC2 (mixed air too cold) holds throughout.
    const [head, ...rows] = LATER_CSV.trim().split('\n');
    const csv = [`${head},outdoor_temp`, ...rows.map((r) => `${r},80.0`)].join('\n');
    const withOat = (await validatedDataset(t, op.token, csv, 'later days, outdoor air')).id;
    const ev = (await (await evaluate({ model_id: aeModel, dataset_id: withOat })).json()) as EvaluationDetail;
    expect(ev.alarms!.length).toBeGreaterThan(0);
    const started = (await (await t.request('POST', `/api/v1/datasets/${withOat}/diagnose`, { token: op.token, json: { time_zone: 'UTC' } })).json()) as Json;
    let diagnosis: Json = {};
    for (let i = 0; i < 600 && diagnosis.status !== 'completed'; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      diagnosis = (await (await t.request('GET', `/api/v1/diagnoses/${started.id as string}`, { token: op.token })).json()) as Json;
    }
    const episodes = diagnosis.episodes as { fault_condition: string; family: string; start: string; end: string }[];
    expect(episodes.map((e) => e.fault_condition)).toContain('FC2');
    for (const a of ev.alarms!) {
      const during = episodes.filter((e) => e.start <= a.end && e.end >= a.start).map((e) => `${e.fault_condition}/${e.family}`);
      expect(a.rules.map((r) => `${r.fault_condition}/${r.family}`).sort()).toEqual([...new Set(during)].sort());
    }
    expect(ev.alarms!.some((a) => a.rules.some((r) => r.fault_condition === 'FC2'))).toBe(true);
  });

  it('evaluates an unlabelled dataset with every label-based metric null (autoencoder and sentinel)', async () => {
    for (const model of [aeModel, sentinelModel]) {
      const res = await evaluate({ model_id: model, dataset_id: unlabelled });
      expect(res.status).toBe(201);
      const ev = (await res.json()) as EvaluationDetail;
      expect(ev.metrics).toMatchObject({ accuracy: null, precision: null, recall: null, f1: null, auc_roc: null });
      expect(ev).toMatchObject({ confusion_matrix: null, positives: null, windows: 193 });
      expect(ev.figures.folds.every((f) => f.auc_roc === null && f.f1 === null)).toBe(true);
      expect(ev.figures.score_separation).toBeNull();
      expect(ev.figures.calibration).toBeNull();
      expect(ev.figures.roc_curve).toBeNull();
      // The baseline is still fitted and thresholded; with no labels it is not compared.
      expect(ev.baseline).toMatchObject({ method: 'pca', auc_roc: null, f1: null, precision: null, recall: null, fit_rows: 192 });
      expect(ev.beats_baseline).toBeNull();
      expect(ev.figures.baseline_roc_curve).toBeNull();
    }
  });

  it('answers a null ROC curve for an evaluation stored before the curve was recorded', async () => {
    const ev = (await (await evaluate({ model_id: aeModel, dataset_id: later })).json()) as EvaluationDetail;
    expect(ev.figures.roc_curve).not.toBeNull();
    // An evaluation stored before these figures existed: the same row without them.
    const { db } = t.hub.store;
    const [stored] = await db.select({ figures: evaluations.figures }).from(evaluations).where(eq(evaluations.id, ev.id));
    const { roc_curve: _r, baseline: _b, baseline_roc_curve: _c, alarms: _a, alarm_episodes: _e, ...older } = stored!.figures as unknown as Record<string, unknown>;
    await db.update(evaluations).set({ figures: older as unknown as NonNullable<typeof stored>['figures'] }).where(eq(evaluations.id, ev.id));
    const old = (await (await t.request('GET', `/api/v1/evaluations/${ev.id}`, { token: op.token })).json()) as EvaluationDetail;
    expect(old.figures.roc_curve).toBeNull();
    expect(old).toMatchObject({ baseline: null, beats_baseline: null, alarms: null, alarm_episodes: null });
    expect(old.figures.baseline_roc_curve).toBeNull();
    expect(old.figures.folds).toEqual(ev.figures.folds);
  });

  it('refuses what cannot be evaluated: missing columns (400), unknown or foreign ids (404), viewers (403)', async () => {
    const csv = sensorCsv({ rows: 50 }).replace('fan_speed', 'fan_power');
    const other = ((await (await uploadCsv(t, op.token, csv, { name: 'other columns' })).json()) as Json).id;
    const missing = await evaluate({ model_id: aeModel, dataset_id: other });
    expect(missing.status).toBe(400);
    const body = (await missing.json()) as Json;
    expect(body.error).toContain("'dataset_id'");
    expect(body.details).toContain('fan_speed');
    expect((await evaluate({ model_id: 'mdl_none', dataset_id: later })).status).toBe(404);
    expect((await evaluate({ model_id: aeModel, dataset_id: 'ds_none' })).status).toBe(404);
    expect((await evaluate({ model_id: aeModel })).status).toBe(400);
    const stranger = await t.userWithRole('operator');
    expect((await evaluate({ model_id: aeModel, dataset_id: later }, stranger.token)).status).toBe(404);
    expect((await t.request('GET', `/api/v1/evaluations/${trainingEvaluation}`, { token: stranger.token })).status).toBe(404);
    const viewer = await t.userWithRole('viewer');
    expect((await evaluate({ model_id: aeModel, dataset_id: later }, viewer.token)).status).toBe(403);
    expect((await t.request('POST', `/api/v1/evaluations/${trainingEvaluation}/gradient`, { token: viewer.token })).status).toBe(403);
  });

  it('answers 202 to a Gradient request and fills the 19 metrics and a local review from the figures', async () => {
    const labelled = (await (await evaluate({ model_id: aeModel, dataset_id: later })).json()) as EvaluationDetail;
    const bare = (await (await evaluate({ model_id: aeModel, dataset_id: unlabelled })).json()) as EvaluationDetail;
    const reviews: GradientEvaluation[] = [];
    for (const ev of [labelled, bare]) {
      const res = await t.request('POST', `/api/v1/evaluations/${ev.id}/gradient`, { token: op.token });
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ status: 'running', message: 'Gradient evaluation started' });
      const done = await waitForGradient(t, op.token, ev.id);
      expect(done.gradient_status).toBe('completed');
      reviews.push(done.gradient_evaluation as GradientEvaluation);
    }
    const [withLabels, without] = reviews as [GradientEvaluation, GradientEvaluation];
    expect(Object.keys(withLabels.metrics).sort()).toEqual([...GRADIENT_METRIC_NAMES].sort());
    expect(withLabels).toMatchObject({ reviewer: 'local', model: null, llm_error: null, top_feature: expect.any(String) });
    expect(withLabels.metrics.auc_roc_fold_mean).not.toBeNull();
    expect(withLabels.metrics.false_alarm_rate).toBeCloseTo(labelled.confusion_matrix!.false_positive / (labelled.confusion_matrix!.false_positive + labelled.confusion_matrix!.true_negative), 12);
    expect(withLabels.review.summary).toContain(`ROC AUC ${labelled.metrics.auc_roc!.toFixed(3)}`);
    expect(without.metrics).toMatchObject({ auc_roc_fold_mean: null, f1_fold_mean: null, false_alarm_rate: null, score_separation: null, brier_score: null });
    expect(without.metrics.missing_value_share).toBe(0);
    expect(without.review.summary).toContain('no labels');
    expect(without.review.summary).not.toBe(withLabels.review.summary);
    for (const f of [...withLabels.review.findings, ...without.review.findings]) expect(GRADIENT_FINDING_SUBJECTS).toContain(f.metric);
    // Both reviews weigh the baseline: compared (labels) or not shown to be good (none).
    expect(withLabels.review.findings[0]).toMatchObject({ metric: 'baseline_auc_roc', severity: labelled.beats_baseline ? 'info' : 'critical' });
    expect(withLabels.review.summary).toContain(`PCA baseline ROC AUC ${labelled.baseline!.auc_roc!.toFixed(3)}`);
    expect(without.review.findings[0]).toMatchObject({ metric: 'baseline_auc_roc', severity: 'warning' });
    expect(without.review.verdict).not.toBe('ready');
    expect((await t.request('POST', '/api/v1/evaluations/eval_none/gradient', { token: op.token })).status).toBe(404);
  });

  // Last: it deletes the models' training dataset.
  it('evaluates without a baseline once the training rows are gone, and says so with nulls', async () => {
    const model = (await (await t.request('GET', `/api/v1/models/${aeModel}`, { token: op.token })).json()) as { dataset_id: string };
    expect((await t.request('POST', `/api/v1/datasets/${model.dataset_id}/unlock`, { token: op.token })).status).toBe(200);
    expect((await t.request('DELETE', `/api/v1/datasets/${model.dataset_id}`, { token: op.token })).status).toBe(204);
    const ev = (await (await evaluate({ model_id: aeModel, dataset_id: later })).json()) as EvaluationDetail;
    expect(ev.metrics.auc_roc).not.toBeNull();
    expect(ev).toMatchObject({ baseline: null, beats_baseline: null });
    expect(ev.figures.baseline_roc_curve).toBeNull();
    expect(ev.alarms).not.toBeNull();
  });
});
