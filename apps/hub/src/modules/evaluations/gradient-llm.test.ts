import { GRADIENT_METRIC_NAMES, type EvaluationDetail, type GradientEvaluation } from '@prometheus/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { defaultScript, startOpenAiChatFake, textOf, type OpenAiChatFake } from '../../../../../test/fakes/openai-chat.js';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { sensorCsv, setTier, TINY, trainToEnd, validatedDataset, waitForGradient } from '../../test/training.js';

type Json = Record<string, unknown>;
const MODEL = 'gpt-4o-mini';

// The Gradient review through an OpenAI-compatible endpoint (the chat completions fake): the 19 local
// metrics go in, a forced submit_gradient_review call comes back and is checked against the schema; a
// reply that does not fit falls back to the local reviewer and says why.
describe('Gradient review with a language model', { timeout: 180_000 }, () => {
  let fake: OpenAiChatFake;
  let t: TestHub;
  let op: { token: string; username: string; id: string };
  let evaluationId: string;

  beforeAll(async () => {
    fake = await startOpenAiChatFake({ models: [MODEL] });
    t = await createTestHub({ AGENT_API_URL: fake.baseUrl, AGENT_API_KEY: fake.apiKey, AGENT_MODEL: MODEL });
    op = await t.userWithRole('operator');
    await setTier(t, op.username, 'enterprise');
    const ds = (await validatedDataset(t, op.token, sensorCsv({ rows: 200, faultFrom: 170 }))).id;
    const run = await trainToEnd(t, op.token, { dataset_id: ds, architecture: 'lstm_autoencoder', hyperparameters: TINY });
    evaluationId = run.evaluation_id as string;
  }, 180_000);
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.setScript(defaultScript);
    fake.chats.length = 0;
  });

  const review = async (): Promise<GradientEvaluation> => {
    expect((await t.request('POST', `/api/v1/evaluations/${evaluationId}/gradient`, { token: op.token })).status).toBe(202);
    const done = await waitForGradient(t, op.token, evaluationId);
    expect(done.gradient_status).toBe('completed');
    return done.gradient_evaluation as GradientEvaluation;
  };

  it('asks the model with the 19 metrics as input and keeps its structured review', async () => {
    fake.setScript(() => ({
      toolCalls: [{
        name: 'submit_gradient_review',
        arguments: {
          verdict: 'needs_attention', summary: 'Two epochs are not enough; the threshold margin is thin.',
          findings: [{ metric: 'best_epoch_fraction', severity: 'warning', message: 'Still improving at the last epoch.' }],
          recommendations: ['Train longer.'],
        },
      }],
    }));
    const g = await review();
    expect(g).toMatchObject({ reviewer: 'llm', model: MODEL, llm_error: null });
    const ev = (await (await t.request('GET', `/api/v1/evaluations/${evaluationId}`, { token: op.token })).json()) as EvaluationDetail;
    // The model's review is kept; the comparison with the baseline, which it did not write, is added and caps the verdict.
    expect(g.review).toMatchObject({ verdict: ev.beats_baseline === false ? 'not_ready' : 'needs_attention', summary: 'Two epochs are not enough; the threshold margin is thin.' });
    expect(g.review.findings.slice(1)).toEqual([{ metric: 'best_epoch_fraction', severity: 'warning', message: 'Still improving at the last epoch.' }]);
    expect(g.review.findings[0]!.metric).toBe('baseline_auc_roc');
    expect(g.review.recommendations).toContain('Train longer.');
    expect(fake.chats).toHaveLength(1);
    const request = fake.chats[0]!;
    expect(request.tool_choice).toEqual({ type: 'function', function: { name: 'submit_gradient_review' } });
    const prompt = JSON.parse(textOf(request.messages.find((m) => m.role === 'user')!.content)) as { metrics: { name: string; value: number | null }[]; evaluation: Json };
    expect(prompt.evaluation).toMatchObject({ pca_baseline_auc_roc: ev.baseline!.auc_roc, beats_baseline: ev.beats_baseline });
    expect(prompt.metrics.map((m) => m.name)).toEqual([...GRADIENT_METRIC_NAMES]);
    for (const m of prompt.metrics) expect(m.value).toBe(g.metrics[m.name as keyof typeof g.metrics]);
    const usage = (await (await t.request('GET', '/api/v1/billing/usage', { token: op.token })).json()) as Json;
    expect(usage.tokens_used as number).toBeGreaterThan(0);
  });

  it('validates what the model returns (the fake fills the schema with examples) and falls back when it does not fit', async () => {
    const g = await review();
    expect(g.reviewer).toBe('llm');
    expect(['ready', 'needs_attention', 'not_ready']).toContain(g.review.verdict);
    fake.setScript(() => ({ toolCalls: [{ name: 'submit_gradient_review', arguments: { verdict: 'great', summary: '' } }] }));
    const fallback = await review();
    expect(fallback).toMatchObject({ reviewer: 'local', model: null });
    expect(fallback.llm_error).toContain('does not fit the schema');
    expect(fallback.review.summary).toContain('lstm_autoencoder evaluated on');
    fake.setScript(() => ({ error: { status: 500, message: 'boom', type: 'server_error' } }));
    const failed = await review();
    expect(failed.reviewer).toBe('local');
    expect(failed.llm_error).toContain('language model endpoint failed');
  });
});
