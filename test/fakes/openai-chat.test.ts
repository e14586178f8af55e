// Conformance of the OpenAI-compatible chat fake to OpenAI's chat completions reference (quoted per
// assertion) and to the tool-calling loop the hub's agent runs (docs/api.md "Agent").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequence, startOpenAiChatFake } from './openai-chat.js';
import type { ChatMessage, ChatTool, OpenAiChatFake } from './openai-chat.js';

const TOOLS: ChatTool[] = [
  { type: 'function', function: { name: 'get_dataset', description: 'Dataset detail', parameters: {
    type: 'object', properties: { dataset_id: { type: 'string' } }, required: ['dataset_id'] } } },
  { type: 'function', function: { name: 'propose_training_plan', parameters: {
    type: 'object', properties: { architecture: { type: 'string', enum: ['lstm_autoencoder', 'transformer'] }, epochs: { type: 'integer', minimum: 5 } },
    required: ['architecture', 'epochs'] } } },
];

describe('openai-chat fake', () => {
  let fake: OpenAiChatFake;
  const chat = async (body: Record<string, unknown>, key?: string) => {
    const res = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key ?? fake.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- completion bodies are probed field by field
    return { status: res.status, body: (await res.json()) as any };
  };
  beforeAll(async () => {
    fake = await startOpenAiChatFake();
  });
  afterAll(() => fake.close());

  it('runs the default script through a full tool-calling loop', async () => {
    const messages: ChatMessage[] = [{ role: 'system', content: 'You are PrometheusForge.' },
      { role: 'user', content: 'What model architecture should I use for ds_abc123?' }];
    const calls: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const { status, body } = await chat({ model: 'gpt-4o-mini', messages, tools: TOOLS, tool_choice: 'auto' });
      expect(status).toBe(200);
      const choice = body.choices[0];
      if (choice.finish_reason !== 'tool_calls') {
        // "finish_reason: stop" with the final text once every tool result came back as role "tool"
        expect(choice.finish_reason).toBe('stop');
        expect(choice.message.content).toContain('get_dataset: {"rows":43200}');
        break;
      }
      // "tool_calls: [{ id, type: 'function', function: { name, arguments } }]", arguments a JSON string
      const [call] = choice.message.tool_calls;
      expect(call).toEqual({ id: expect.stringMatching(/^call_/), type: 'function', function: { name: expect.any(String), arguments: expect.any(String) } });
      expect(choice.message.content).toBeNull();
      calls.push(`${call.function.name} ${call.function.arguments}`);
      messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: call.function.name === 'get_dataset' ? '{"rows":43200}' : '{"ok":true}' });
    }
    // tools called in the order offered, arguments from their schemas (the id the user mentioned, enum/minimum values)
    expect(calls).toEqual(['get_dataset {"dataset_id":"ds_abc123"}', 'propose_training_plan {"architecture":"lstm_autoencoder","epochs":5}']);
  });

  it('shapes the completion object and usage', async () => {
    const { body } = await chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello there' }] });
    // "object: chat.completion", "usage: { prompt_tokens, completion_tokens, total_tokens }"
    expect(body).toMatchObject({ id: expect.stringMatching(/^chatcmpl-/), object: 'chat.completion', model: 'gpt-4o',
      choices: [{ index: 0, message: { role: 'assistant', content: 'You asked: hello there' }, finish_reason: 'stop' }] });
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it('follows a supplied script and honours a named tool_choice', async () => {
    fake.setScript(sequence(
      { toolCalls: [{ name: 'propose_training_plan', arguments: { architecture: 'transformer', epochs: 20 }, id: 'call_fixed' }] },
      { content: 'Plan ready.' },
    ));
    const first = await chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'plan' }], tools: TOOLS,
      tool_choice: { type: 'function', function: { name: 'propose_training_plan' } } });
    expect(first.body.choices[0].message.tool_calls[0]).toEqual({ id: 'call_fixed', type: 'function',
      function: { name: 'propose_training_plan', arguments: '{"architecture":"transformer","epochs":20}' } });
    const second = await chat({ model: 'gpt-4o-mini', tools: TOOLS, messages: [{ role: 'user', content: 'plan' },
      first.body.choices[0].message, { role: 'tool', tool_call_id: 'call_fixed', content: 'saved' }] });
    expect(second.body.choices[0].message.content).toBe('Plan ready.');
    expect(fake.chats.at(-1)!.messages).toHaveLength(3);
  });

  it('streams chunks ending with [DONE]', async () => {
    fake.setScript(sequence({ content: 'Use an LSTM autoencoder.' }));
    const res = await fetch(`${fake.baseUrl}/chat/completions`, { method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'x' }] }) });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter(Boolean).map((e) => e.replace(/^data: /, ''));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { object: string; choices: { delta: { content?: string }; finish_reason: string | null }[]; usage?: unknown });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Use an LSTM autoencoder.');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks.at(-1)!.usage).toBeDefined();
  });

  it('answers errors in the {error:{message,type,param,code}} envelope', async () => {
    const noKey = await fetch(`${fake.baseUrl}/chat/completions`, { method: 'POST', body: '{}' });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({ error: { message: expect.stringContaining("You didn't provide an API key"), type: 'invalid_request_error', param: null, code: null } });
    expect((await chat({ model: 'gpt-4o-mini', messages: [] }, 'sk-wrong-key-0000')).body.error.code).toBe('invalid_api_key');
    expect((await chat({ model: 'gpt-9', messages: [] })).body.error).toMatchObject({ code: 'model_not_found' });
    expect((await chat({ model: 'gpt-4o-mini' })).body.error).toMatchObject({ param: 'messages', code: 'missing_required_parameter' });
    const orphan = await chat({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }, { role: 'tool', tool_call_id: 'call_1', content: 'r' }] });
    expect([orphan.status, orphan.body.error.param]).toEqual([400, 'messages.[1].role']);
    const unanswered = await chat({ model: 'gpt-4o-mini', tools: TOOLS, messages: [{ role: 'user', content: 'x' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_dataset', arguments: '{}' } }] },
      { role: 'user', content: 'y' }] });
    expect(unanswered.body.error.message).toContain('did not have response messages: call_a');
    fake.setScript(() => ({ error: { status: 429, message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } }));
    expect(await chat({ model: 'gpt-4o-mini', messages: [] })).toEqual({ status: 429,
      body: { error: { message: 'slow down', type: 'requests', param: null, code: 'rate_limit_exceeded' } } });
    fake.setScript(() => ({ toolCalls: [{ name: 'not_offered', arguments: {} }] }));
    expect((await chat({ model: 'gpt-4o-mini', messages: [] })).body.error.message).toContain("script called tool 'not_offered'");
    fake.failNext(1, 500);
    expect((await chat({ model: 'gpt-4o-mini', messages: [] })).body.error.type).toBe('server_error');
  });

  it('lists models', async () => {
    const res = await fetch(`${fake.baseUrl}/models`, { headers: { authorization: `Bearer ${fake.apiKey}` } });
    expect(await res.json()).toMatchObject({ object: 'list', data: expect.arrayContaining([{ id: 'gpt-4o-mini', object: 'model', created: expect.any(Number), owned_by: 'system' }]) });
  });
});
