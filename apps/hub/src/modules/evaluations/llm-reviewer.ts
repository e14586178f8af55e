import type { ChatCompletionFunctionTool } from 'openai/resources/chat/completions';
import { GRADIENT_METRIC_NAMES, GradientReview, type GradientMetrics } from '@prometheus/protocol';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { Llm } from '../agent/llm.js';
import { GRADIENT_METRIC_DEFINITIONS } from './gradient-metrics.js';
import type { ReviewContext } from './local-reviewer.js';

// The Gradient review by a configured OpenAI-compatible model (the agent module's client): the 19 local
// metrics are its whole input, its answer is a forced function call checked against GradientReview.
const TOOL: ChatCompletionFunctionTool = {
  type: 'function',
  function: {
    name: 'submit_gradient_review',
    description: 'Submit the structured review of the model evaluation.',
    parameters: z.toJSONSchema(GradientReview) as Record<string, unknown>,
  },
};

const SYSTEM = [
  'You are Gradient, the model reviewer of Prometheus, an edge ML platform for building equipment (air handlers, boilers, pumps).',
  'You receive one evaluation of a trained time-series model as 19 named metrics with their definitions (null = not measurable here).',
  'Judge whether the model is ready to raise alarms at the edge. Cite the figures you rely on; never invent a figure.',
  'A model whose ROC AUC is below the PCA baseline\'s (beats_baseline false) is not ready, and one not compared with it (null) is not shown to be good; a finding about that comparison names baseline_auc_roc.',
  'Answer only by calling submit_gradient_review: verdict, a short summary, findings (each naming one of the metrics), recommendations.',
].join(' ');

export function reviewPrompt(metrics: GradientMetrics, ctx: ReviewContext): string {
  return JSON.stringify({
    model: { architecture: ctx.architecture },
    evaluation: {
      windows: ctx.windows, auc_roc: ctx.auc, f1: ctx.f1, top_error_feature: ctx.topFeature,
      pca_baseline_auc_roc: ctx.baselineAuc, beats_baseline: ctx.beatsBaseline,
    },
    metrics: GRADIENT_METRIC_NAMES.map((name) => ({ name, value: metrics[name], definition: GRADIENT_METRIC_DEFINITIONS[name] })),
  });
}

export async function llmReview(llm: Pick<Llm, 'callTool'>, metrics: GradientMetrics, ctx: ReviewContext, onTokens: (n: number) => void): Promise<GradientReview> {
  const args = await llm.callTool([{ role: 'system', content: SYSTEM }, { role: 'user', content: reviewPrompt(metrics, ctx) }], TOOL, onTokens);
  const parsed = GradientReview.safeParse(args);
  if (!parsed.success) {
    throw new AppError('UPSTREAM_FAILED', 'The language model returned a review that does not fit the schema', { details: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') });
  }
  return parsed.data;
}
