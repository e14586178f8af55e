import type { GradientFinding, GradientReview } from '@prometheus/protocol';

// No model is called good without the comparison with the linear baseline: a model the PCA baseline beats on
// the same windows is not ready, and one that could not be compared (no labels, no baseline) needs attention
// at best. Whoever wrote the review (the local rules or a language model), its verdict is capped here.
export interface BaselineContext {
  /** The model's ROC AUC on the evaluated windows (null without labels or with one class). */
  auc: number | null;
  /** The PCA baseline's on the same windows; null without labels, or when there is no baseline. */
  baselineAuc: number | null;
  /** False when the evaluation has no baseline (stored before it, or the training rows are gone). */
  hasBaseline: boolean;
  beatsBaseline: boolean | null;
}

export type BaselineFinding = GradientFinding & { advice?: string };

const num = (x: number) => x.toFixed(3);

export function baselineFinding(ctx: BaselineContext): BaselineFinding {
  const metric = 'baseline_auc_roc' as const;
  if (ctx.beatsBaseline === false) {
    return {
      metric, severity: 'critical',
      message: `The model loses to the linear baseline: ROC AUC ${num(ctx.auc as number)} against ${num(ctx.baselineAuc as number)} for a PCA reconstruction fitted on the same training rows and scored on the same windows.`,
      advice: 'Do not deploy it: the PCA baseline detects these faults better. Revisit the training days, features and hyperparameters.',
    };
  }
  if (ctx.beatsBaseline === true) {
    return { metric, severity: 'info', message: `The model beats the linear baseline: ROC AUC ${num(ctx.auc as number)} against ${num(ctx.baselineAuc as number)} for PCA on the same windows.` };
  }
  const why = !ctx.hasBaseline
    ? 'this evaluation has no PCA baseline (stored before baselines were recorded, or the training rows are gone)'
    : 'the data has no fault labels (or one class only), so neither ranking can be measured';
  return {
    metric, severity: 'warning', message: `Not compared with the linear baseline: ${why}. Without that comparison the model is not shown to be good.`,
    advice: 'Evaluate the model on labelled data (POST /api/v1/evaluations) to compare it with the PCA baseline.',
  };
}

const RANK = { ready: 0, needs_attention: 1, not_ready: 2 } as const;
const CAP = { critical: 'not_ready', warning: 'needs_attention', info: 'ready' } as const;

/** A review with the baseline finding in it (unless it names the baseline already) and its verdict capped by it. */
export function withBaselineVerdict(review: GradientReview, ctx: BaselineContext): GradientReview {
  const finding = baselineFinding(ctx);
  const { advice, ...plain } = finding;
  const named = review.findings.some((f) => f.metric === 'baseline_auc_roc');
  const floor = CAP[finding.severity];
  return {
    ...review,
    verdict: RANK[floor] > RANK[review.verdict] ? floor : review.verdict,
    findings: named ? review.findings : [plain, ...review.findings].slice(0, 40),
    recommendations: advice && !review.recommendations.includes(advice) ? [advice, ...review.recommendations].slice(0, 20) : review.recommendations,
  };
}
