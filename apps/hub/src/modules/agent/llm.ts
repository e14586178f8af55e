import type OpenAI from 'openai';
import type { ChatCompletionFunctionTool, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { AgentSettings } from '../../config.js';
import { AppError } from '../../errors.js';
import { TOOL_DEFINITIONS, type Toolbox } from './tools.js';

// The language-model side of the agent: an OpenAI-compatible chat completions endpoint (OpenAI, Azure,
// vLLM, Ollama, LM Studio...) called with the tools until it answers in text. Tokens are summed from
// each response's `usage`, so the caller can charge them even when a later round fails.
export type LlmSettings = NonNullable<AgentSettings['llm']>;

export const SYSTEM_PROMPT = [
  'You are PrometheusForge, the machine-learning assistant of Prometheus, an edge ML platform for building equipment',
  '(air handlers, boilers, pumps, chillers, fan coils, steam). Models are trained on the user\'s time-series datasets and',
  'deployed to edge controllers. Architectures: lstm_autoencoder (unsupervised anomaly detection), gru_predictor',
  '(fault prediction, needs a 0/1 label column), sentinel (per-reading health score, needs a label column).',
  'Use the tools to look at the user\'s datasets and never invent figures: quote the statistics the tools return.',
  'When the user wants to train or asks for a plan, call draft_training_plan. Be brief and concrete.',
].join(' ');

const MAX_TOOL_ROUNDS = 6;

export interface LlmTurn {
  text: string;
  tokens: number;
}

// The SDK loads with the first request (about 20 MB the idle hub does not hold); errors come after it loaded.
let sdk: Promise<typeof OpenAI> | undefined;
const loadSdk = () => (sdk ??= import('openai').then((m) => m.default));

function upstream(err: unknown, sdk: typeof OpenAI): AppError {
  if (err instanceof sdk.APIConnectionTimeoutError) return new AppError('UPSTREAM_TIMEOUT', 'The language model did not answer in time', { cause: err });
  if (err instanceof sdk.APIError) {
    return new AppError('UPSTREAM_FAILED', 'The language model endpoint failed', { details: `${err.status ?? 'no status'}: ${err.message}`, cause: err });
  }
  return new AppError('UPSTREAM_FAILED', 'The language model endpoint failed', { details: (err as Error).message, cause: err });
}

export function createLlm(settings: LlmSettings) {
  let client: Promise<{ api: OpenAI; sdk: typeof OpenAI }> | undefined;
  const connect = () => (client ??= loadSdk().then((sdk) => ({
    sdk, api: new sdk({ baseURL: settings.baseUrl, apiKey: settings.apiKey ?? 'not-needed', timeout: settings.timeoutMs, maxRetries: 1 }),
  })));
  async function create(body: Parameters<OpenAI['chat']['completions']['create']>[0] & { stream?: false }) {
    const { api, sdk } = await connect();
    return api.chat.completions.create(body).catch((err: unknown) => {
      throw upstream(err, sdk);
    });
  }

  /**
   * Runs one user turn: asks, executes the tools the model calls, feeds their results back, until it answers
   * in text (after MAX_TOOL_ROUNDS the tools are withdrawn so it must). `onTokens` sees every response's usage.
   */
  async function converse(messages: ChatCompletionMessageParam[], toolbox: Toolbox, onTokens: (n: number) => void): Promise<string> {
    for (let round = 0; round <= MAX_TOOL_ROUNDS; round += 1) {
      const lastRound = round === MAX_TOOL_ROUNDS;
      const completion = await create({
        model: settings.model, messages, tools: TOOL_DEFINITIONS, tool_choice: lastRound ? 'none' : 'auto',
      });
      onTokens(completion.usage?.total_tokens ?? 0);
      const reply = completion.choices[0]?.message;
      if (!reply) throw new AppError('UPSTREAM_FAILED', 'The language model returned no choice');
      const calls = (reply.tool_calls ?? []).filter((c) => c.type === 'function');
      if (calls.length === 0 || lastRound) return reply.content ?? '';
      messages.push({ role: 'assistant', content: reply.content ?? null, tool_calls: calls });
      for (const call of calls) {
        messages.push({ role: 'tool', tool_call_id: call.id, content: await toolbox.execute(call.function.name, call.function.arguments) });
      }
    }
    throw new Error('unreachable');
  }

  /**
   * Structured output through function calling (served by every OpenAI-compatible endpoint with tools):
   * one request forcing a call of `tool`; returns its parsed arguments for the caller to validate.
   * Used by the evaluations module's Gradient review.
   */
  async function callTool(messages: ChatCompletionMessageParam[], tool: ChatCompletionFunctionTool, onTokens: (n: number) => void): Promise<unknown> {
    const completion = await create({
      model: settings.model, messages, tools: [tool], tool_choice: { type: 'function', function: { name: tool.function.name } },
    });
    onTokens(completion.usage?.total_tokens ?? 0);
    const call = (completion.choices[0]?.message?.tool_calls ?? []).find((c) => c.type === 'function' && c.function.name === tool.function.name);
    if (!call || call.type !== 'function') throw new AppError('UPSTREAM_FAILED', `The language model did not call ${tool.function.name}`);
    try {
      return JSON.parse(call.function.arguments) as unknown;
    } catch (err) {
      throw new AppError('UPSTREAM_FAILED', `The language model's ${tool.function.name} arguments are not JSON`, { details: (err as Error).message, cause: err });
    }
  }

  return { converse, callTool, model: settings.model };
}

export type Llm = ReturnType<typeof createLlm>;
