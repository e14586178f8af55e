import { z } from 'zod';
import { IsoTime } from './common.js';
import { SkippedRuleView } from './diagnoses.js';

// Evaluations (docs/api.md "Evaluations"): metrics of a model on its validation windows (made when
// training ends) or on any dataset with its columns (POST /evaluations, an addition), and the Gradient review.

export const EvaluationCreateRequest = z.object({
  model_id: z.string().min(1).max(128),
  dataset_id: z.string().min(1).max(128),
  /** Windows start every `stride` rows (default 1: every row). */
  stride: z.number().int().min(1).max(10_000).optional(),
  /**
   * Score = trailing mean over this many consecutive windows, instead of the model's own persistence
   * (default: the model's persistence, `persistence_minutes` in the detail, as the edge scores).
   */
  smoothing_windows: z.number().int().min(1).max(10_000).optional(),
}).strict();
export type EvaluationCreateRequest = z.infer<typeof EvaluationCreateRequest>;

export const EvaluationMetrics = z.object({
  accuracy: z.number().nullable(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  f1: z.number().nullable(),
  auc_roc: z.number().nullable(),
  /** The model's best validation loss (training). */
  val_loss: z.number(),
  reconstruction_error_threshold: z.number().nullable(),
});
export type EvaluationMetrics = z.infer<typeof EvaluationMetrics>;

export const ConfusionMatrix = z.object({
  true_positive: z.number().int(),
  false_positive: z.number().int(),
  true_negative: z.number().int(),
  false_negative: z.number().int(),
});
export type ConfusionMatrix = z.infer<typeof ConfusionMatrix>;

export const TrainingCurves = z.object({
  epochs: z.array(z.number().int()),
  train_loss: z.array(z.number()),
  /** Null on epochs without validation (val_check_interval > 1). */
  val_loss: z.array(z.number().nullable()),
});
export type TrainingCurves = z.infer<typeof TrainingCurves>;

/** The 19 Gradient metrics: each computed from the evaluation's own figures, null when its data is absent. */
export const GRADIENT_METRIC_NAMES = [
  'auc_roc_fold_mean', 'auc_roc_fold_std', 'f1_fold_mean', 'f1_fold_std', 'score_drift',
  'brier_score', 'expected_calibration_error', 'threshold_margin_iqr', 'near_threshold_fraction',
  'false_alarm_rate', 'score_separation', 'top_feature_error_share', 'top3_feature_error_share',
  'feature_error_evenness', 'quantization_auc_roc_delta', 'quantization_score_delta_ratio',
  'missing_value_share', 'val_train_loss_ratio', 'best_epoch_fraction',
] as const;
export type GradientMetricName = (typeof GRADIENT_METRIC_NAMES)[number];

export const GradientMetrics = z.object(
  Object.fromEntries(GRADIENT_METRIC_NAMES.map((n) => [n, z.number().nullable()])) as Record<GradientMetricName, z.ZodNullable<z.ZodNumber>>,
);
export type GradientMetrics = z.infer<typeof GradientMetrics>;

/** What a finding names: one of the 19 metrics, or (addition) the model's comparison with the PCA baseline. */
export const GRADIENT_FINDING_SUBJECTS = [...GRADIENT_METRIC_NAMES, 'baseline_auc_roc'] as const;
export type GradientFindingSubject = (typeof GRADIENT_FINDING_SUBJECTS)[number];

export const GradientFinding = z.object({
  metric: z.enum(GRADIENT_FINDING_SUBJECTS),
  severity: z.enum(['info', 'warning', 'critical']),
  message: z.string().min(1).max(2000),
});
export type GradientFinding = z.infer<typeof GradientFinding>;

/** The structured review (from the language model, checked against this schema, or the local reviewer). */
export const GradientReview = z.object({
  verdict: z.enum(['ready', 'needs_attention', 'not_ready']),
  summary: z.string().min(1).max(4000),
  findings: z.array(GradientFinding).max(40),
  recommendations: z.array(z.string().min(1).max(1000)).max(20),
});
export type GradientReview = z.infer<typeof GradientReview>;

export const GradientEvaluation = z.object({
  reviewer: z.enum(['local', 'llm']),
  /** The language model that wrote the review (llm), else null. */
  model: z.string().nullable(),
  metrics: GradientMetrics,
  top_feature: z.string().nullable(),
  review: GradientReview,
  /** Set when a configured language model failed and the local reviewer answered instead. */
  llm_error: z.string().nullable(),
  completed_at: IsoTime,
});
export type GradientEvaluation = z.infer<typeof GradientEvaluation>;

export const GradientStatus = z.enum(['none', 'running', 'completed', 'failed']);

const FoldFigure = z.object({ fold: z.number().int(), count: z.number().int(), auc_roc: z.number().nullable(), f1: z.number().nullable(), mean_score: z.number() });

/** Addition: false and true positive rates with the threshold of each point. */
export const RocCurve = z.object({ fpr: z.array(z.number()), tpr: z.array(z.number()), thresholds: z.array(z.number()) });
export type RocCurve = z.infer<typeof RocCurve>;

/** Additions: the figures the reviewer reads. */
export const EvaluationFigures = z.object({
  folds: z.array(FoldFigure),
  auc_std: z.number().nullable(),
  f1_std: z.number().nullable(),
  calibration: z.object({ brier: z.number().nullable(), ece: z.number().nullable() }).nullable(),
  feature_error_share: z.array(z.object({ feature: z.string(), share: z.number() })).nullable(),
  threshold_margin: z.object({ normal_median: z.number().nullable(), margin_in_iqr: z.number().nullable(), near_threshold_fraction: z.number() }),
  /** Median score of faulty minus normal windows, in units of the normal scores' IQR; null without both classes. */
  score_separation: z.number().nullable(),
  missing_value_share: z.number(),
  /**
   * Addition: the ROC curve of the window scores vs labels, (0,0) to (1,1), at most 101 points thinned from one
   * per distinct score (the full curve's area is `metrics.auc_roc`); thresholds[k]: "score > threshold" gives
   * point k. Null without both classes, and for evaluations stored before it was recorded.
   */
  roc_curve: RocCurve.nullable(),
  /** Addition: the PCA baseline's ROC curve on the same windows, in the same shape; null as `roc_curve` is, or without a baseline. */
  baseline_roc_curve: RocCurve.nullable(),
});
export type EvaluationFigures = z.infer<typeof EvaluationFigures>;

/**
 * Addition: the linear baseline every evaluation carries: PCA on the model's own training rows (its features and
 * time split, labelled faults left out) keeping 95% of the variance, score = trailing 60-minute mean of a row's
 * squared reconstruction error (z-space), taken at each window's last row; threshold by the autoencoder's rule
 * (`threshold_percentile` of the score on the normal validation rows). Label-based figures null without labels.
 */
export const EvaluationBaseline = z.object({
  method: z.literal('pca'),
  components: z.number().int(),
  /** Share of the training rows' variance the components explain (at least 0.95). */
  explained_variance: z.number(),
  /** Training rows the components were fitted on. */
  fit_rows: z.number().int(),
  auc_roc: z.number().nullable(),
  f1: z.number().nullable(),
  precision: z.number().nullable(),
  recall: z.number().nullable(),
  threshold: z.number(),
});
export type EvaluationBaseline = z.infer<typeof EvaluationBaseline>;

/** Addition: one feature's share of the reconstruction error of an alarm's windows. */
export const AlarmFeatureShare = z.object({ feature: z.string(), share: z.number() });

/** Addition: a Guideline 36 fault condition that fired during an alarm, from the dataset's point map (empty when no rule can run on it). */
export const AlarmRule = z.object({
  fault_condition: z.string(),
  family: z.string(),
  /** Addition: minutes of the alarm's span (start to end) during which the condition held; absent on alarms annotated before it. */
  minutes_overlap: z.number().optional(),
});

/**
 * Addition: whether the alarms name the rules that fired. annotated: the rules ran over the evaluated rows;
 * no_alarms: nothing to annotate; no_point_map: no column of the dataset (or of an edge dataset's target) maps to
 * an AFDD input; no_runnable_rules: inputs are mapped but no rule has all it needs (`skipped_rules` says why);
 * failed: the run failed (logged), the evaluation stands without it.
 */
export const AlarmRulesStatus = z.enum(['annotated', 'no_alarms', 'no_point_map', 'no_runnable_rules', 'failed']);
export type AlarmRulesStatus = z.infer<typeof AlarmRulesStatus>;

/**
 * Addition: consecutive windows scoring above the threshold, merged into one alarm. `start`/`end`: the last rows
 * of its first and last windows; `top_features`: the three features carrying most of its reconstruction error
 * (autoencoder; null for probability models).
 */
export const AlarmEpisode = z.object({
  start: IsoTime,
  end: IsoTime,
  windows: z.number().int(),
  peak_score: z.number(),
  top_features: z.array(AlarmFeatureShare).max(3).nullable(),
  rules: z.array(AlarmRule),
});
export type AlarmEpisode = z.infer<typeof AlarmEpisode>;

/** At most this many alarms are listed (the highest peaks, in time order); `alarm_episodes` counts them all. */
export const MAX_LISTED_ALARMS = 50;

export const EvaluationSummary = z.object({
  id: z.string(),
  model_id: z.string(),
  dataset_id: z.string(),
  /** training: the model's validation windows; dataset: a dataset scored on demand. */
  kind: z.enum(['training', 'dataset']),
  metrics: EvaluationMetrics,
  gradient_status: GradientStatus,
  created_at: IsoTime,
  /** Additions: the PCA baseline on the same windows (null for evaluations stored before it, or when the training rows are gone). */
  baseline: EvaluationBaseline.nullable(),
  /** Model ROC AUC >= the baseline's; null without labels (either AUC null) or without a baseline. */
  beats_baseline: z.boolean().nullable(),
});
export type EvaluationSummary = z.infer<typeof EvaluationSummary>;

export const EvaluationDetail = EvaluationSummary.extend({
  confusion_matrix: ConfusionMatrix.nullable(),
  training_curves: TrainingCurves,
  gradient_evaluation: GradientEvaluation.nullable(),
  /** Additions. */
  gradient_error: z.string().nullable(),
  threshold: z.number(),
  windows: z.number().int(),
  positives: z.number().int().nullable(),
  stride: z.number().int(),
  smoothing_windows: z.number().int(),
  /** Addition: the trailing mean (minutes of window ends) the scores went through; 0 = raw or `smoothing_windows`. */
  persistence_minutes: z.number().min(0),
  /**
   * Addition: windows whose operating conditions (outdoor temperature, occupancy mode) lie outside what the model
   * was trained on: scored, but left out of every metric (`windows` counts them, the metrics do not).
   */
  out_of_range_windows: z.number().int().min(0),
  out_of_range_share: z.number().min(0).max(1),
  figures: EvaluationFigures,
  quantization: z.object({ f1_delta: z.number().nullable(), auc_roc_delta: z.number().nullable(), max_abs_score_delta: z.number() }),
  /** Addition: the alarms, time order, at most MAX_LISTED_ALARMS; null when not recorded (evaluations stored before). */
  alarms: z.array(AlarmEpisode).max(MAX_LISTED_ALARMS).nullable(),
  /** Addition: how many alarms there were in all (the list may be capped); null as `alarms` is. */
  alarm_episodes: z.number().int().nullable(),
  /** Addition: why the alarms' `rules` are filled or empty; null when not recorded (evaluations stored before, or no alarms recorded). */
  rules_status: AlarmRulesStatus.nullable(),
  /** Addition: the rules that could not run on the dataset's point map and why (once per evaluation); null when the rules were not considered. */
  skipped_rules: z.array(SkippedRuleView).nullable(),
});
export type EvaluationDetail = z.infer<typeof EvaluationDetail>;

export const GradientStartResponse = z.object({ status: z.literal('running'), message: z.string() });
export type GradientStartResponse = z.infer<typeof GradientStartResponse>;
