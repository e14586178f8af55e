import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestHub, type TestHub } from '../../test/harness.js';
import { ROWS, expectedStats, seasonalCsv, statedStats } from '../../test/seasonal-data.js';
import { ahuCsv, uploadCsv } from '../../test/upload.js';

type Json = Record<string, unknown>;

// The agent with no language model configured: the local analyst answers from the uploaded dataset's
// real statistics and the recommendation engine, says so, and conversations persist per user.
describe('PrometheusForge without a language model', () => {
  let t: TestHub;
  let op: { token: string; id: string; username: string };
  let datasetId: string;
  let recommendations: { architecture: string; hyperparameters: Json }[];

  beforeAll(async () => {
    t = await createTestHub();
    op = await t.userWithRole('operator');
    const res = await uploadCsv(t, op.token, seasonalCsv(), { name: 'Warren AHU-1' });
    expect(res.status).toBe(201);
    datasetId = ((await res.json()) as Json).id as string;
    const recs = await t.request('GET', `/api/v1/datasets/${datasetId}/recommend`, { token: op.token });
    recommendations = ((await recs.json()) as { recommendations: typeof recommendations }).recommendations;
  });
  afterAll(() => t.close());

  const chat = (token: string, json: Json) => t.request('POST', '/api/v1/agent/chat', { token, json });

  it('answers about the named dataset with its real columns, row count and figures, and says no model is configured', async () => {
    const res = await chat(op.token, { message: 'What model architecture should I use for Warren AHU-1?' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { response: string; conversation_id: string; training_plan: Json | null };
    expect(body.conversation_id).toMatch(/^conv_/);
    expect(body.response).toContain('No language model is configured');
    expect(body.response).toContain(`${ROWS} rows`);
    expect(body.response).toContain('timestamp, supply_temp, return_temp, fan_speed');
    for (const column of ['supply_temp', 'return_temp', 'fan_speed'] as const) {
      const stated = statedStats(body.response, column);
      const real = expectedStats(column);
      expect(stated, column).toBeDefined();
      expect(stated!.mean).toBeCloseTo(real.mean, 1);
      expect(stated!.min).toBeCloseTo(real.min, 2);
      expect(stated!.max).toBeCloseTo(real.max, 2);
    }
    expect(body.response).toContain('return_temp: ');
    expect(body.response).toMatch(/return_temp: [^\n]*1 missing/);
    expect(body.response).toMatch(/supply_temp: [^\n]*1 reading beyond 4 std/);
    expect(body.response).toContain('a daily cycle is present');
    expect(body.response).toContain(`Recommended architecture: ${recommendations[0]!.architecture}`);
    expect(body.training_plan).toEqual({ architecture: recommendations[0]!.architecture, dataset_id: datasetId, hyperparameters: recommendations[0]!.hyperparameters });
  });

  it('continues a conversation about the same dataset without naming it again', async () => {
    const first = (await (await chat(op.token, { message: `Tell me about ${datasetId}` })).json()) as { conversation_id: string };
    const res = await chat(op.token, { message: 'How complete is the data?', conversation_id: first.conversation_id });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { response: string; conversation_id: string; training_plan: unknown };
    expect(body.conversation_id).toBe(first.conversation_id);
    expect(body.response).toContain('Data quality: good');
    expect(body.training_plan).toBeNull();
  });

  it('asks which dataset when the question names none it can pick, and says when there are none', async () => {
    const empty = await t.userWithRole('operator');
    const none = (await (await chat(empty.token, { message: 'Which model should I train?' })).json()) as Json;
    expect(none.response).toContain('You have no datasets yet');
    expect(none.training_plan).toBeNull();
    expect((await uploadCsv(t, empty.token, ahuCsv(), { name: 'Boiler B-2' })).status).toBe(201);
    expect((await uploadCsv(t, empty.token, ahuCsv(), { name: 'Pump P-7' })).status).toBe(201);
    const which = (await (await chat(empty.token, { message: 'Which model should I train?' })).json()) as Json;
    expect(which.response).toContain('Which dataset do you mean?');
    expect(which.response).toContain('Boiler B-2');
    expect(which.response).toContain('Pump P-7');
  });

  it('analyzes a dataset: quality, daily cycle, anomalies, recommendation and plan from the data', async () => {
    const res = await t.request('POST', '/api/v1/agent/analyze', { token: op.token, json: { dataset_id: datasetId, question: 'Is this data good enough to train on?' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expect(body.analysis).toEqual({
      data_quality: 'good', seasonality: true, anomalies_detected: 1,
      recommended_architecture: recommendations[0]!.architecture, recommended_hyperparameters: recommendations[0]!.hyperparameters,
    });
    expect(body.training_plan).toEqual({ architecture: recommendations[0]!.architecture, dataset_id: datasetId, hyperparameters: recommendations[0]!.hyperparameters });
    expect(body.response).toContain('No language model is configured');
    expect(body.response).toContain(`${ROWS} rows`);
    expect(body.conversation_id).toMatch(/^conv_/);
  });

  it('refuses other users’ datasets and conversations (404), bad input (400), viewers (403) and anonymous callers (401)', async () => {
    const other = await t.userWithRole('operator');
    expect((await t.request('POST', '/api/v1/agent/analyze', { token: other.token, json: { dataset_id: datasetId } })).status).toBe(404);
    expect((await t.request('POST', '/api/v1/agent/analyze', { token: op.token, json: { dataset_id: 'ds_nothere' } })).status).toBe(404);
    expect((await t.request('POST', '/api/v1/agent/analyze', { token: op.token, json: {} })).status).toBe(400);
    const mine = (await (await chat(op.token, { message: 'hello' })).json()) as { conversation_id: string };
    const stolen = await chat(other.token, { message: 'hello', conversation_id: mine.conversation_id });
    expect(stolen.status).toBe(404);
    expect((await chat(op.token, { message: 'hi', conversation_id: 'not-a-conversation' })).status).toBe(400);
    expect((await chat(op.token, { message: '   ' })).status).toBe(400);
    const viewer = await t.userWithRole('viewer');
    for (const [method, url, json] of [['POST', '/api/v1/agent/chat', { message: 'hi' }], ['POST', '/api/v1/agent/analyze', { dataset_id: datasetId }], ['GET', '/api/v1/agent/history', undefined]] as const) {
      const res = await t.request(method, url, { token: viewer.token, ...(json ? { json } : {}) });
      expect(res.status, url).toBe(403);
      expect(((await res.json()) as Json).code).toBe('FORBIDDEN');
      expect((await t.request(method, url, json ? { json } : {})).status).toBe(401);
    }
  });

  it('keeps each user’s conversations, newest first, with every message in order', async () => {
    const user = await t.userWithRole('operator');
    await uploadCsv(t, user.token, seasonalCsv(), { name: 'Chiller CH-1' });
    const a = (await (await chat(user.token, { message: 'Describe Chiller CH-1' })).json()) as { conversation_id: string };
    await chat(user.token, { message: 'And its quality?', conversation_id: a.conversation_id });
    const b = (await (await chat(user.token, { message: 'Train a model on Chiller CH-1' })).json()) as { conversation_id: string };
    const res = await t.request('GET', '/api/v1/agent/history', { token: user.token });
    expect(res.status).toBe(200);
    const history = (await res.json()) as { id: string; messages: { role: string; content: string }[] }[];
    expect(history.map((c) => c.id)).toEqual([b.conversation_id, a.conversation_id]);
    const messages = history[1]!.messages;
    expect(messages.map((m) => m.role)).toEqual(['user', 'agent', 'user', 'agent']);
    expect([messages[0]!.content, messages[2]!.content]).toEqual(['Describe Chiller CH-1', 'And its quality?']);
    expect(messages[3]!.content).toContain('Dataset "Chiller CH-1"');
    const others = (await (await t.request('GET', '/api/v1/agent/history', { token: op.token })).json()) as { id: string }[];
    expect(others.map((c) => c.id)).not.toContain(a.conversation_id);
    // deleting the user deletes the conversations
    expect((await t.request('DELETE', `/api/v1/admin/users/${user.username}`, { token: await t.adminToken() })).status).toBe(204);
    expect(await t.hub.store.rows(sql`select count(*) n from conversations where user_id = ${user.id}`)).toEqual([{ n: 0 }]);
    expect(await t.hub.store.rows(sql`select count(*) n from conversation_messages where conversation_id = ${a.conversation_id}`)).toEqual([{ n: 0 }]);
  });

  it('allows 20 agent requests a minute per user, then 429', async () => {
    const user = await t.userWithRole('operator');
    for (let i = 0; i < 20; i += 1) expect((await t.request('GET', '/api/v1/agent/history', { token: user.token })).status).toBe(200);
    const limited = await t.request('POST', '/api/v1/agent/chat', { token: user.token, json: { message: 'one more' } });
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as Json).code).toBe('RATE_LIMITED');
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    // the limit is per user
    expect((await t.request('GET', '/api/v1/agent/history', { token: op.token })).status).toBe(200);
  });
});
