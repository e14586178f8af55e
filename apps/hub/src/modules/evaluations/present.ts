import type { AlarmEpisode, AlarmRulesStatus, EvaluationBaseline, EvaluationDetail, EvaluationFigures, EvaluationSummary, SkippedRuleView, TrainingCurves } from '@prometheus/protocol';
import type { TrainingResult } from '@prometheus/ml';
import type { StoredFigures } from '../../db/schema/evaluations.js';
import { isoTime } from '../../ids.js';
import { beatsBaseline } from './baseline.js';
import type { EvaluationRow } from './repo.js';

// Rows <-> the contract's shapes (`figures` is stored as the schema's StoredFigures).

/** What the score worker adds to an evaluation's figures: the baseline (and its ROC curve) and the alarms. */
export interface Comparison {
  baseline: EvaluationBaseline | null;
  baseline_roc_curve: EvaluationFigures['baseline_roc_curve'];
  alarms: AlarmEpisode[] | null;
  alarm_episodes: number | null;
  /** Why the alarms' rules are filled or empty, and what could not run (absent until the rules were considered). */
  rules_status?: AlarmRulesStatus | null;
  skipped_rules?: SkippedRuleView[] | null;
}

export const NO_COMPARISON: Comparison = { baseline: null, baseline_roc_curve: null, alarms: null, alarm_episodes: null };

const finiteOrNull = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

export function curvesOf(result: TrainingResult): TrainingCurves {
  const c = result.training_curves;
  return { epochs: c.epochs, train_loss: c.train_loss, val_loss: c.val_loss.map(finiteOrNull) };
}

/** The reviewer figures the ML package measured on the validation windows, in the stored form. */
export function trainingFigures(result: TrainingResult, rows: number, comparison: Comparison): StoredFigures {
  const r = result.reviewer;
  const q = result.quantization;
  const features = result.model.metadata.feature_columns;
  const missing = result.missing_values.filter((m) => features.includes(m.column)).reduce((a, m) => a + m.missing, 0);
  return {
    folds: r.folds, auc_std: r.auc_std, f1_std: r.f1_std,
    calibration: r.calibration ? { brier: r.calibration.brier, ece: r.calibration.ece } : null,
    feature_error_share: r.feature_error_share,
    threshold_margin: { ...r.threshold_margin, normal_median: finiteOrNull(r.threshold_margin.normal_median) },
    // Needs per-window scores by label, which the training result does not carry.
    score_separation: null,
    roc_curve: r.roc_curve,
    missing_value_share: rows > 0 && features.length > 0 ? missing / (rows * features.length) : 0,
    threshold: result.model.metadata.threshold, positives: result.metrics.positives,
    stride: result.model.metadata.hyperparameters.stride, smoothing_windows: 1,
    persistence_minutes: result.model.metadata.scoring?.persistence_minutes ?? 0,
    quantization: { f1_delta: q.f1_delta, auc_roc_delta: q.auc_roc_delta, max_abs_score_delta: q.max_abs_score_delta },
    ...comparison,
  };
}

export function toEvaluationSummary(row: EvaluationRow): EvaluationSummary {
  const metrics = row.metrics;
  const baseline = row.figures.baseline ?? null;
  return {
    id: row.id, model_id: row.modelId, dataset_id: row.datasetId, kind: row.kind, metrics,
    gradient_status: row.gradientStatus, created_at: isoTime(row.createdAt),
    baseline, beats_baseline: beatsBaseline(metrics.auc_roc, baseline),
  };
}

export function toEvaluationDetail(row: EvaluationRow): EvaluationDetail {
  const {
    threshold, positives, stride, smoothing_windows, persistence_minutes = 0, out_of_range_windows = 0, quantization, baseline: _baseline, alarms, alarm_episodes,
    rules_status, skipped_rules, ...figures
  } = row.figures;
  return {
    ...toEvaluationSummary(row),
    confusion_matrix: row.confusionMatrix ?? null,
    training_curves: row.trainingCurves,
    gradient_evaluation: row.gradientEvaluation ?? null,
    gradient_error: row.gradientError, threshold, windows: row.windows, positives, stride, smoothing_windows, persistence_minutes, quantization,
    out_of_range_windows, out_of_range_share: row.windows > 0 ? out_of_range_windows / row.windows : 0,
    // Evaluations stored before the ROC curves, the baseline or the alarms were recorded have none.
    figures: { ...figures, roc_curve: figures.roc_curve ?? null, baseline_roc_curve: figures.baseline_roc_curve ?? null },
    alarms: alarms ?? null, alarm_episodes: alarm_episodes ?? null,
    rules_status: rules_status ?? null, skipped_rules: skipped_rules ?? null,
  };
}
