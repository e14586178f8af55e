import type { EvaluationFigures, GradientMetricName, GradientMetrics, TrainingCurves } from '@prometheus/protocol';

// The 19 Gradient metrics. Each is computed from the evaluation's own stored figures (folds, calibration,
// error shares, threshold margin, confusion matrix, quantization deltas, missing cells, training curves);
// a metric whose data the evaluation lacks (no labels, not a probability, ...) is null, never guessed.
export interface GradientInput {
  figures: EvaluationFigures;
  confusion: { true_positive: number; false_positive: number; true_negative: number; false_negative: number } | null;
  threshold: number;
  quantization: { auc_roc_delta: number | null; max_abs_score_delta: number };
  curves: TrainingCurves;
}

/** What each metric measures, for the API reference and the language model's prompt. */
export const GRADIENT_METRIC_DEFINITIONS: Record<GradientMetricName, string> = {
  auc_roc_fold_mean: 'ROC AUC averaged over 5 contiguous time folds of the evaluated windows',
  auc_roc_fold_std: 'standard deviation of ROC AUC across the time folds (stability over time)',
  f1_fold_mean: 'F1 at the model threshold averaged over the time folds',
  f1_fold_std: 'standard deviation of F1 across the time folds',
  score_drift: 'relative change of the mean score from the first to the last time fold',
  brier_score: 'mean squared error of the predicted fault probabilities (probability outputs only)',
  expected_calibration_error: 'weighted gap between predicted probability and observed fault rate over 10 bins',
  threshold_margin_iqr: 'distance from the median normal score to the threshold, in IQRs of the normal scores',
  near_threshold_fraction: 'share of normal windows scoring within 10% below the threshold (near misses)',
  false_alarm_rate: 'false positives / (false positives + true negatives) at the threshold',
  score_separation: 'median faulty-window score minus median normal score, in IQRs of the normal scores',
  top_feature_error_share: 'share of the reconstruction error carried by the single largest feature',
  top3_feature_error_share: 'share of the reconstruction error carried by the three largest features',
  feature_error_evenness: 'normalized entropy of the per-feature error shares (1 = even, 0 = one feature)',
  quantization_auc_roc_delta: 'ROC AUC of the int8 weights minus the float weights (validation windows)',
  quantization_score_delta_ratio: 'largest score change from int8 weights, relative to the threshold',
  missing_value_share: 'share of feature cells missing or unparseable in the evaluated data',
  val_train_loss_ratio: 'validation loss / training loss at the best epoch (generalization gap)',
  best_epoch_fraction: 'best epoch / epochs run (1 = still improving when training ended)',
};

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const present = (xs: (number | null)[]): number[] => xs.filter((x): x is number => x !== null && Number.isFinite(x));

function featureFigures(shares: { feature: string; share: number }[] | null) {
  if (!shares || shares.length === 0) return { top: null, top3: null, evenness: null, topFeature: null };
  const sorted = [...shares].sort((a, b) => b.share - a.share);
  const entropy = -sorted.reduce((h, s) => (s.share > 0 ? h + s.share * Math.log(s.share) : h), 0);
  return {
    top: sorted[0]!.share, top3: sorted.slice(0, 3).reduce((a, s) => a + s.share, 0),
    evenness: sorted.length > 1 ? entropy / Math.log(sorted.length) : null, topFeature: sorted[0]!.feature,
  };
}

function curveFigures(curves: TrainingCurves): { ratio: number | null; fraction: number | null } {
  let best = -1;
  curves.val_loss.forEach((v, i) => {
    if (v !== null && (best < 0 || v < (curves.val_loss[best] as number))) best = i;
  });
  if (best < 0) return { ratio: null, fraction: null };
  const train = curves.train_loss[best] as number;
  return { ratio: train > 0 ? (curves.val_loss[best] as number) / train : null, fraction: (best + 1) / curves.epochs.length };
}

export function gradientMetrics(input: GradientInput): { metrics: GradientMetrics; topFeature: string | null } {
  const f = input.figures;
  const folds = f.folds;
  const first = folds[0]?.mean_score;
  const last = folds[folds.length - 1]?.mean_score;
  const cm = input.confusion;
  const negatives = cm ? cm.false_positive + cm.true_negative : 0;
  const features = featureFigures(f.feature_error_share);
  const curve = curveFigures(input.curves);
  const metrics: GradientMetrics = {
    auc_roc_fold_mean: mean(present(folds.map((x) => x.auc_roc))),
    auc_roc_fold_std: f.auc_std,
    f1_fold_mean: mean(present(folds.map((x) => x.f1))),
    f1_fold_std: f.f1_std,
    score_drift: folds.length >= 2 && first !== undefined && last !== undefined && first !== 0 ? (last - first) / Math.abs(first) : null,
    brier_score: f.calibration?.brier ?? null,
    expected_calibration_error: f.calibration?.ece ?? null,
    threshold_margin_iqr: f.threshold_margin.margin_in_iqr,
    near_threshold_fraction: f.threshold_margin.near_threshold_fraction,
    false_alarm_rate: cm && negatives > 0 ? cm.false_positive / negatives : null,
    score_separation: f.score_separation,
    top_feature_error_share: features.top,
    top3_feature_error_share: features.top3,
    feature_error_evenness: features.evenness,
    quantization_auc_roc_delta: input.quantization.auc_roc_delta,
    quantization_score_delta_ratio: input.threshold > 0 ? input.quantization.max_abs_score_delta / input.threshold : null,
    missing_value_share: f.missing_value_share,
    val_train_loss_ratio: curve.ratio,
    best_epoch_fraction: curve.fraction,
  };
  return { metrics, topFeature: features.topFeature };
}
