import type { GradientFinding, GradientMetricName, GradientMetrics, GradientReview } from '@prometheus/protocol';
import { baselineFinding, type BaselineContext } from './baseline-verdict.js';

// The review without a language model: rules over the 19 metrics. Every sentence carries the figure that
// triggered it; a metric that is null says nothing (except the one note that label-based figures are
// missing). Thresholds are conventional rules of thumb, named here so a reader can disagree with them.
export interface ReviewContext extends BaselineContext {
  architecture: string;
  windows: number;
  f1: number | null;
  topFeature: string | null;
}

type Rule = (m: GradientMetrics, ctx: ReviewContext) => (GradientFinding & { advice?: string }) | null;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number, d = 3) => x.toFixed(d);
const finding = (metric: GradientMetricName, severity: GradientFinding['severity'], message: string, advice?: string) => ({ metric, severity, message, ...(advice ? { advice } : {}) });

const RULES: Rule[] = [
  (m) => m.auc_roc_fold_mean === null ? null : m.auc_roc_fold_mean < 0.6
    ? finding('auc_roc_fold_mean', 'critical', `Mean ROC AUC over the time folds is ${num(m.auc_roc_fold_mean)}: barely above chance (0.5).`, 'Revisit features and training data before relying on this model.')
    : m.auc_roc_fold_mean >= 0.9 ? finding('auc_roc_fold_mean', 'info', `Mean ROC AUC over the time folds is ${num(m.auc_roc_fold_mean)}: strong ranking of faulty above normal windows.`) : null,
  (m) => m.auc_roc_fold_std !== null && m.auc_roc_fold_std > 0.1
    ? finding('auc_roc_fold_std', 'warning', `ROC AUC varies across time folds (std ${num(m.auc_roc_fold_std)}): performance depends on the period.`, 'Evaluate on more days or operating conditions; train on a longer, more varied period.') : null,
  (m) => m.f1_fold_std !== null && m.f1_fold_std > 0.15
    ? finding('f1_fold_std', 'warning', `F1 varies across time folds (std ${num(m.f1_fold_std)}).`, 'Check whether some periods have few faults or a shifted baseline.') : null,
  (m) => m.score_drift !== null && Math.abs(m.score_drift) > 0.5
    ? finding('score_drift', 'warning', `The mean score changes by ${pct(m.score_drift)} from the first to the last time fold: drift or a change of operating regime.`, 'Retrain on recent normal data or include the new regime.') : null,
  (m) => m.expected_calibration_error !== null && m.expected_calibration_error > 0.1
    ? finding('expected_calibration_error', 'warning', `Predicted probabilities are miscalibrated (ECE ${num(m.expected_calibration_error)}, Brier ${m.brier_score === null ? 'n/a' : num(m.brier_score)}).`, 'Read the output as a ranking, or recalibrate (e.g. isotonic) before using it as a probability.') : null,
  (m) => m.threshold_margin_iqr !== null && m.threshold_margin_iqr < 1.5
    ? finding('threshold_margin_iqr', 'warning', `The threshold sits only ${num(m.threshold_margin_iqr, 2)} IQRs above the median normal score: small shifts will raise alarms.`, 'Raise threshold_percentile or smooth scores over several windows.') : null,
  (m) => m.near_threshold_fraction !== null && m.near_threshold_fraction > 0.02
    ? finding('near_threshold_fraction', 'warning', `${pct(m.near_threshold_fraction)} of normal windows score within 10% below the threshold.`, 'Expect false alarms from small disturbances; consider a higher threshold.') : null,
  (m) => m.false_alarm_rate === null ? null : m.false_alarm_rate > 0.2
    ? finding('false_alarm_rate', 'critical', `False alarm rate ${pct(m.false_alarm_rate)} of normal windows.`, 'Raise the threshold or retrain on data closer to current operation.')
    : m.false_alarm_rate > 0.05 ? finding('false_alarm_rate', 'warning', `False alarm rate ${pct(m.false_alarm_rate)} of normal windows.`, 'Consider a higher threshold or smoothing.') : null,
  (m) => m.score_separation === null ? null : m.score_separation < 1
    ? finding('score_separation', 'warning', `Faulty windows score only ${num(m.score_separation, 2)} IQRs above normal ones (medians): weak separation.`, 'Some fault types may not show in these sensors; check per-day scores.')
    : finding('score_separation', 'info', `Faulty windows score ${num(m.score_separation, 2)} IQRs above normal ones (medians).`),
  (m, ctx) => m.top_feature_error_share !== null && m.top_feature_error_share > 0.4
    ? finding('top_feature_error_share', 'warning', `${ctx.topFeature ?? 'One feature'} carries ${pct(m.top_feature_error_share)} of the reconstruction error: the score mostly tracks one sensor.`, `Check ${ctx.topFeature ?? 'that sensor'} for noise or drift; consider leaving it out.`) : null,
  (m) => m.feature_error_evenness !== null && m.feature_error_evenness < 0.5
    ? finding('feature_error_evenness', 'info', `Error is concentrated in few features (evenness ${num(m.feature_error_evenness, 2)}; top three carry ${m.top3_feature_error_share === null ? 'n/a' : pct(m.top3_feature_error_share)}).`) : null,
  (m) => m.quantization_auc_roc_delta !== null && m.quantization_auc_roc_delta < -0.01
    ? finding('quantization_auc_roc_delta', 'warning', `int8 weights lose ${num(-m.quantization_auc_roc_delta)} ROC AUC against float.`, 'Deploy the float ONNX file, or retrain and re-check the int8 delta.') : null,
  (m) => m.quantization_score_delta_ratio !== null && m.quantization_score_delta_ratio > 0.1
    ? finding('quantization_score_delta_ratio', 'warning', `int8 weights move a score by up to ${pct(m.quantization_score_delta_ratio)} of the threshold.`, 'Windows near the threshold may flip with the int8 model.') : null,
  (m) => m.missing_value_share !== null && m.missing_value_share > 0.02
    ? finding('missing_value_share', 'warning', `${pct(m.missing_value_share)} of feature cells are missing (forward-filled).`, 'Fix the gaps at the source; long fills look like flat-lined sensors.') : null,
  (m) => m.val_train_loss_ratio !== null && m.val_train_loss_ratio > 2
    ? finding('val_train_loss_ratio', 'warning', `Validation loss is ${num(m.val_train_loss_ratio, 2)}x the training loss at the best epoch: the validation period differs or the model overfits.`, 'Add dropout/weight decay or train on a period like the one it will score.') : null,
  (m) => m.best_epoch_fraction === null ? null : m.best_epoch_fraction >= 0.95
    ? finding('best_epoch_fraction', 'info', `The best epoch was ${pct(m.best_epoch_fraction)} of the way through training: it was still improving.`, 'Train for more epochs.')
    : m.best_epoch_fraction < 0.3 ? finding('best_epoch_fraction', 'info', `The best epoch came early (${pct(m.best_epoch_fraction)} of the epochs run): later epochs overfit.`, 'Lower the learning rate or add regularization.') : null,
];

function summaryOf(m: GradientMetrics, ctx: ReviewContext, findings: GradientFinding[]): string {
  const parts = [`${ctx.architecture} evaluated on ${ctx.windows} windows`];
  if (ctx.auc !== null) parts.push(`ROC AUC ${num(ctx.auc)}${m.auc_roc_fold_std !== null ? ` (fold std ${num(m.auc_roc_fold_std)})` : ''}`);
  if (ctx.f1 !== null) parts.push(`F1 ${num(ctx.f1)}`);
  if (ctx.baselineAuc !== null) parts.push(`PCA baseline ROC AUC ${num(ctx.baselineAuc)} (${ctx.beatsBaseline ? 'the model beats it' : 'the model loses to it'})`);
  if (m.false_alarm_rate !== null) parts.push(`false alarm rate ${pct(m.false_alarm_rate)}`);
  if (ctx.auc === null) parts.push('no labels, so detection figures are unavailable');
  const count = (s: GradientFinding['severity']) => findings.filter((f) => f.severity === s).length;
  return `${parts.join(', ')}. ${count('critical')} critical, ${count('warning')} warning, ${count('info')} informational finding(s).`;
}

export function localReview(m: GradientMetrics, ctx: ReviewContext): GradientReview {
  const hits = [baselineFinding(ctx), ...RULES.map((rule) => rule(m, ctx)).filter((f): f is GradientFinding & { advice?: string } => f !== null)];
  const findings = hits.map(({ advice: _advice, ...f }) => f);
  const verdict = findings.some((f) => f.severity === 'critical') ? 'not_ready' : findings.some((f) => f.severity === 'warning') ? 'needs_attention' : 'ready';
  const recommendations = [...new Set(hits.flatMap((h) => (h.advice ? [h.advice] : [])))];
  return { verdict, summary: summaryOf(m, ctx, findings), findings, recommendations };
}
