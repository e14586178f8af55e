import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { defaultScript, sequence, startOpenAiChatFake, textOf, type OpenAiChatFake } from '../../../../../test/fakes/openai-chat.js';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { ROWS, seasonalCsv } from '../../test/seasonal-data.js';
import { uploadCsv } from '../../test/upload.js';

type Json = Record<string, unknown>;
const MODEL = 'gpt-4o-mini';

// The agent with an OpenAI-compatible endpoint (the chat completions fake): tools run against the
// user's real dataset, a drafted plan comes back, tokens are charged, an empty balance is refused.
describe('PrometheusForge with a language model', () => {
  let fake: OpenAiChatFake;
  let t: TestHub;
  let op: { token: string; id: string; username: string };
  let datasetId: string;
  let recommendations: { architecture: string; hyperparameters: Json }[];

  beforeAll(async () => {
    fake = await startOpenAiChatFake({ models: [MODEL] });
    t = await createTestHub({ AGENT_API_URL: fake.baseUrl, AGENT_API_KEY: fake.apiKey, AGENT_MODEL: MODEL });
    op = await t.userWithRole('operator');
    // A tool-using chat reads whole statistics back into the prompt: a few thousand tokens a turn, so this
    // user works on the enterprise allowance (the free one runs out in the last test on purpose).
    await t.request('PUT', `/api/v1/admin/users/${op.username}/subscription`, { token: await t.adminToken(), json: { tier: 'enterprise' } });
    const res = await uploadCsv(t, op.token, seasonalCsv(), { name: 'Warren AHU-1' });
    datasetId = ((await res.json()) as Json).id as string;
    const recs = await t.request('GET', `/api/v1/datasets/${datasetId}/recommend`, { token: op.token });
    recommendations = ((await recs.json()) as { recommendations: typeof recommendations }).recommendations;
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.setScript(defaultScript);
    fake.chats.length = 0;
  });

  const chat = (token: string, json: Json) => t.request('POST', '/api/v1/agent/chat', { token, json });
  const usage = async (token: string) => (await (await t.request('GET', '/api/v1/billing/usage', { token })).json()) as Json;
  const tokensRecorded = async (userId: string) => (await t.hub.store.rows<{ n: number }>(
    sql`select coalesce(sum(m.tokens), 0) n from conversation_messages m join conversations c on c.id = m.conversation_id where c.user_id = ${userId}`,
  ))[0]!.n;

  it('runs the tools on the real dataset, returns the drafted training plan and charges the tokens', async () => {
    const res = await chat(op.token, { message: `Plan a training run for ${datasetId}` });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { response: string; conversation_id: string; training_plan: Json };
    const lstm = recommendations.find((r) => r.architecture === 'lstm_autoencoder')!;
    expect(body.training_plan).toEqual({ architecture: 'lstm_autoencoder', dataset_id: datasetId, hyperparameters: lstm.hyperparameters });

    const first = fake.chats[0]!;
    expect(first.model).toBe(MODEL);
    expect(first.tools!.map((tool) => tool.function.name)).toEqual(['list_datasets', 'dataset_stats', 'recommend_architecture', 'draft_training_plan']);
    expect(first.messages[0]).toMatchObject({ role: 'system' });
    expect(textOf(first.messages.at(-1)!.content)).toBe(`Plan a training run for ${datasetId}`);
    const last = fake.chats.at(-1)!;
    const toolResults = Object.fromEntries(last.messages.filter((m) => m.role === 'tool').map((m, i) => [last.tools![i]!.function.name, JSON.parse(textOf(m.content)) as unknown]));
    expect(toolResults.list_datasets).toEqual([expect.objectContaining({ id: datasetId, name: 'Warren AHU-1', row_count: ROWS })]);
    expect(toolResults.dataset_stats).toMatchObject({
      id: datasetId, row_count: ROWS, columns: ['timestamp', 'supply_temp', 'return_temp', 'fan_speed'],
      missing: { return_temp: 1, supply_temp: 0 }, anomalies: { supply_temp: 1 }, daily_cycle: true, data_quality: 'good',
    });
    expect((toolResults.recommend_architecture as Json[])[0]).toMatchObject({ architecture: recommendations[0]!.architecture });
    expect(body.response).toContain('dataset_stats:');
    expect(body.response).not.toContain('No language model is configured');

    const used = await tokensRecorded(op.id);
    expect(used).toBeGreaterThan(0);
    expect(await usage(op.token)).toMatchObject({ tokens_used: used, token_balance: 1_000_000 - used });
  });

  it('sends the earlier turns of the conversation and keeps the dataset a tool looked at', async () => {
    const first = (await (await chat(op.token, { message: `How many rows does ${datasetId} have?` })).json()) as { conversation_id: string; response: string };
    fake.chats.length = 0;
    fake.setScript(sequence({ content: 'It has 144 rows.' }));
    const res = await chat(op.token, { message: 'And how many columns?', conversation_id: first.conversation_id });
    expect(res.status).toBe(200);
    const sent = fake.chats[0]!.messages.map((m) => [m.role, textOf(m.content)]);
    expect(sent.slice(1)).toEqual([
      ['user', `How many rows does ${datasetId} have?`], ['assistant', first.response], ['user', 'And how many columns?'],
    ]);
    expect(((await res.json()) as Json).training_plan).toBeNull();
  });

  it('answers a tool call about another user’s dataset with not found, not its data', async () => {
    const other = await t.userWithRole('operator');
    fake.setScript(sequence({ toolCalls: [{ name: 'dataset_stats', arguments: { dataset_id: datasetId } }] }, { content: 'I cannot see that dataset.' }));
    const res = await chat(other.token, { message: `Stats of ${datasetId}?` });
    expect(res.status).toBe(200);
    const tool = fake.chats.at(-1)!.messages.find((m) => m.role === 'tool')!;
    expect(JSON.parse(textOf(tool.content))).toEqual({ error: 'Dataset not found' });
    expect(((await res.json()) as Json).response).toBe('I cannot see that dataset.');
  });

  it('analyzes with the model’s words and the hub’s own figures', async () => {
    fake.setScript(sequence({ toolCalls: [{ name: 'dataset_stats', arguments: { dataset_id: datasetId } }] }, { content: 'Clean data with a daily cycle.' }));
    const res = await t.request('POST', '/api/v1/agent/analyze', { token: op.token, json: { dataset_id: datasetId } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.response).toBe('Clean data with a daily cycle.');
    expect(body.analysis).toMatchObject({ data_quality: 'good', seasonality: true, anomalies_detected: 1, recommended_architecture: recommendations[0]!.architecture });
    expect(body.training_plan).toEqual({ architecture: recommendations[0]!.architecture, dataset_id: datasetId, hyperparameters: recommendations[0]!.hyperparameters });
    expect(textOf(fake.chats[0]!.messages.at(-1)!.content)).toContain(datasetId);
  });

  it('charges the tokens of rounds that ran when a later round fails, and answers 502', async () => {
    const user = await t.userWithRole('operator');
    fake.setScript(sequence(
      { toolCalls: [{ name: 'list_datasets', arguments: {} }] },
      { error: { status: 400, message: "This model's maximum context length is 128000 tokens.", code: 'context_length_exceeded' } },
    ));
    const res = await chat(user.token, { message: 'What do I have?' });
    expect(res.status).toBe(502);
    expect((await res.json()) as Json).toMatchObject({ code: 'UPSTREAM_FAILED', details: expect.stringContaining('maximum context length') });
    expect(((await usage(user.token)).tokens_used as number)).toBeGreaterThan(0);
  });

  it('refuses with 403 TIER_LIMIT once the token balance is spent, without calling the model', async () => {
    const user = await t.userWithRole('operator');
    fake.setScript(sequence({ content: 'Hello.' }));
    expect((await chat(user.token, { message: 'Hi' })).status).toBe(200);
    const { token_balance: left } = await usage(user.token);
    await t.hub.services.billing.limits.charge(user.id, left as number);
    fake.chats.length = 0;
    const res = await chat(user.token, { message: 'Hi again' });
    expect(res.status).toBe(403);
    const body = (await res.json()) as Json;
    expect(body.code).toBe('TIER_LIMIT');
    expect(body.error).toContain('agent_tokens');
    expect(body.error).toContain('the pro tier lifts it (50000)');
    expect(fake.chats).toHaveLength(0);
  });
});
