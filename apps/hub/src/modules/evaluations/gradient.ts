import type { GradientEvaluation } from '@prometheus/protocol';
import type { Clock } from '../../clock.js';
import { isoTime } from '../../ids.js';
import type { Logger } from '../../logger.js';
import type { Llm } from '../agent/llm.js';
import type { Limits } from '../billing/limits.js';
import { gradientMetrics } from './gradient-metrics.js';
import { withBaselineVerdict } from './baseline-verdict.js';
import { llmReview } from './llm-reviewer.js';
import { localReview, type ReviewContext } from './local-reviewer.js';
import { beatsBaseline } from './baseline.js';
import type { EvaluationRow, EvaluationsRepo } from './repo.js';

// The Gradient review runs after the 202: the 19 metrics from the evaluation's figures, then the review by
// the configured language model (tokens charged to the evaluation's owner) or, without one or when it
// fails, by the local reviewer. The result (or the failure) is written to the evaluation row.
export interface GradientReviewerDeps {
  repo: EvaluationsRepo;
  llm: Pick<Llm, 'callTool' | 'model'> | undefined;
  limits: Pick<Limits, 'assertTokens' | 'charge'>;
  clock: Clock;
  log: Logger;
}

export function createGradientReviewer(deps: GradientReviewerDeps) {
  const inFlight = new Set<Promise<void>>();

  async function review(row: EvaluationRow, architecture: string): Promise<GradientEvaluation> {
    const figures = row.figures;
    const { metrics, topFeature } = gradientMetrics({
      figures, confusion: row.confusionMatrix, threshold: figures.threshold,
      quantization: figures.quantization, curves: row.trainingCurves,
    });
    const m = row.metrics;
    const baseline = figures.baseline ?? null;
    const ctx: ReviewContext = {
      architecture, windows: row.windows, auc: m.auc_roc, f1: m.f1, topFeature,
      baselineAuc: baseline?.auc_roc ?? null, hasBaseline: baseline !== null, beatsBaseline: beatsBaseline(m.auc_roc, baseline),
    };
    // Whoever reviews, the comparison with the baseline caps the verdict (a language model may overlook it).
    const done = (by: Pick<GradientEvaluation, 'reviewer' | 'model' | 'review' | 'llm_error'>): GradientEvaluation => ({
      ...by, review: withBaselineVerdict(by.review, ctx), metrics, top_feature: topFeature, completed_at: isoTime(deps.clock.now()),
    });
    if (!deps.llm) return done({ reviewer: 'local', model: null, review: localReview(metrics, ctx), llm_error: null });
    let tokens = 0;
    try {
      await deps.limits.assertTokens(row.ownerId);
      const reviewed = await llmReview(deps.llm, metrics, ctx, (n) => void (tokens += n));
      return done({ reviewer: 'llm', model: deps.llm.model, review: reviewed, llm_error: null });
    } catch (err) {
      deps.log.warn({ err, evaluationId: row.id }, 'language-model review failed; the local reviewer answers');
      return done({ reviewer: 'local', model: null, review: localReview(metrics, ctx), llm_error: (err as Error).message });
    } finally {
      await deps.limits.charge(row.ownerId, tokens);
    }
  }

  async function run(row: EvaluationRow, architecture: string): Promise<void> {
    try {
      const result = await review(row, architecture);
      await deps.repo.update(row.id, { gradientStatus: 'completed', gradientEvaluation: result, gradientError: null, updatedAt: deps.clock.now() });
    } catch (err) {
      deps.log.error({ err, evaluationId: row.id }, 'gradient review failed');
      await deps.repo.update(row.id, { gradientStatus: 'failed', gradientError: (err as Error).message, updatedAt: deps.clock.now() });
    }
  }

  return {
    /** Claims the evaluation and starts its review; false when one is already running. */
    async start(row: EvaluationRow, architecture: string): Promise<boolean> {
      if (!(await deps.repo.claimGradient(row.id, deps.clock.now()))) return false;
      const job = run(row, architecture).finally(() => inFlight.delete(job));
      inFlight.add(job);
      return true;
    },
    /** Resolves when every running review has been written (hub stop waits for this). */
    async idle(): Promise<void> {
      await Promise.all([...inFlight]);
    },
  };
}
